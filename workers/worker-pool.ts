import type { Job, Worker } from 'bullmq';
import type { Config } from '../src/config/config.js';
import type { Logger } from '../src/logger.js';
import type { Metrics } from '../src/metrics/registry.js';
import { JOB_NAMES, type QueueName, type WebhookJobData } from '../src/queues/names.js';
import type { Services } from '../src/services.js';
import { createWebhookProcessor } from './process-webhook-event.js';
import { scheduleMaintenance } from './maintenance-schedules.js';
import { pruneWebhookPayloads } from './retention.js';
import { checkWebhookHealth } from './webhook-health.js';
import { sweepReceived } from './sweeper.js';
import { markUnfinished } from './webhook-event-store.js';

const WEBHOOK_QUEUES: QueueName[] = ['payments', 'refunds', 'subscriptions'];

/** The reason BullMQ gives a job that stalled more than `maxStalledCount` times. */
const STALL_LIMIT_REASON = 'job stalled more than allowable limit';

/** Returns the webhook log's reason for a failed job, naming the operator's next step where BullMQ's reason lacks one. */
export function failureReason(error: Error, maxStalledCount: number): string {
  if (error.message !== STALL_LIMIT_REASON) return error.message;
  return `the worker stopped while running this event more than ${maxStalledCount} times (WORKER_MAX_STALLED_COUNT); replay it once workers stay up`;
}

export interface WorkerPool {
  workers: Worker[];
  /** Stops taking jobs and waits for active ones; `force` abandons them to be picked up again as stalled jobs. */
  close(force?: boolean): Promise<void>;
}

/** Starts one BullMQ worker per queue and the sweeper's job scheduler on the `maintenance` queue. */
export async function startWorkerPool(config: Config, services: Services, logger: Logger, metrics?: Metrics): Promise<WorkerPool> {
  const { backend, db, producer } = services;
  const processor = createWebhookProcessor({ db, logger, config: config.worker, metrics, refunds: producer.queue('refunds') });
  const workerOptions = {
    ...backend.workerOptions(),
    concurrency: config.worker.concurrency,
    lockDuration: config.worker.lockDurationMs,
    stalledInterval: config.worker.stalledIntervalMs,
    maxStalledCount: config.worker.maxStalledCount,
  };

  const workers: Worker[] = WEBHOOK_QUEUES.map((name) => new backend.Worker(name, processor, workerOptions));
  const maintenance = async (job: Job): Promise<number> => {
    if (job.name === JOB_NAMES.pruneWebhookPayloads) {
      return pruneWebhookPayloads({ db, logger, processedDays: config.retention.processedDays, failedDays: config.retention.failedDays });
    }
    if (job.name === JOB_NAMES.checkWebhookHealth) {
      return (await checkWebhookHealth({ db, logger, quietAfterMs: config.alerts.quietAfterMs, failureRate: config.alerts.failureRate })).length;
    }
    return sweepReceived({ db, producer, logger, minAgeMs: config.worker.sweeperMinAgeMs, enqueueTimeoutMs: config.receiver.enqueueTimeoutMs });
  };
  workers.push(new backend.Worker('maintenance', maintenance, { ...workerOptions, concurrency: 1 }));

  for (const worker of workers) {
    worker.on('error', (error) => logger.error('worker error', { queue: worker.name, error: error.message }));
    worker.on('stalled', (jobId) => logger.warn('job stalled; it will run again', { queue: worker.name, jobId }));
  }
  for (const worker of workers.slice(0, WEBHOOK_QUEUES.length)) {
    worker.on('completed', () => metrics?.jobs.inc({ queue: worker.name, outcome: 'completed' }));
    // BullMQ emits `failed` for every failed attempt; only a job left in the failed set is final. Marking the row
    // here also covers failures the processor never saw, such as a job that stalled more often than allowed.
    worker.on('failed', (job, error) => {
      if (job === undefined) return;
      void job
        .isFailed()
        .then(async (failed) => {
          metrics?.jobs.inc({ queue: worker.name, outcome: failed ? 'failed' : 'retried' });
          if (failed) await markUnfinished(db, (job.data as WebhookJobData).webhookEventId, 'failed', failureReason(error, config.worker.maxStalledCount));
        })
        .catch((markError: unknown) => logger.error('could not mark webhook event failed', { jobId: job.id, error: String(markError) }));
    });
  }

  const schedules = await scheduleMaintenance(
    producer.queue('maintenance'),
    [
      { name: JOB_NAMES.sweepReceived, everyMs: config.worker.sweeperIntervalMs },
      { name: JOB_NAMES.pruneWebhookPayloads, everyMs: config.retention.intervalMs },
      { name: JOB_NAMES.checkWebhookHealth, everyMs: config.alerts.checkIntervalMs },
    ],
    config.worker.sweeperIntervalMs,
    logger,
  );
  logger.info('workers started', { queues: workers.map((worker) => worker.name), concurrency: config.worker.concurrency, backend: backend.kind });

  return {
    workers,
    async close(force = false) {
      schedules.stop();
      await Promise.all(workers.map((worker) => worker.close(force)));
    },
  };
}
