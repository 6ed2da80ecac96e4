import type { JobsOptions, Queue } from 'bullmq';
import type { QueueBackend } from './backend.js';
import { JOB_NAMES, QUEUE_NAMES, type QueueName, type WebhookJobData } from './names.js';

/** Retry policy of webhook jobs: exponential backoff with jitter, failed jobs kept for Bull Board. */
export function webhookJobOptions(options: { attempts: number; backoffMs: number }): JobsOptions {
  return {
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 14 * 24 * 3600 },
  };
}

/** Adds webhook jobs to the queues; the job id makes a second add of the same event a no-op. */
export class WebhookProducer {
  private readonly queues: Map<QueueName, Queue>;

  constructor(backend: QueueBackend, private readonly jobOptions: JobsOptions, options: { failFast: boolean }) {
    this.queues = new Map(QUEUE_NAMES.map((name) => [name, new backend.Queue(name, backend.producerOptions(options.failFast))]));
    for (const queue of this.queues.values()) queue.on('error', () => undefined);
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (queue === undefined) throw new Error(`Unknown queue ${name}`);
    return queue;
  }

  /** Enqueues one webhook event, rejecting after `timeoutMs` so a dead Redis cannot hold a provider's request. */
  async enqueue(queueName: QueueName, jobId: string, data: WebhookJobData, timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Enqueue to ${queueName} timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.queue(queueName).add(JOB_NAMES.applyWebhookEvent, data, { ...this.jobOptions, jobId }), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((queue) => queue.close()));
  }
}
