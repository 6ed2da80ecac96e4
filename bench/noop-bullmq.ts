import { parseArgs } from 'node:util';
import type { Worker } from 'bullmq';
import { loadConfig } from '../src/config/config.js';
import { createQueueBackend } from '../src/queues/backend.js';
import { QUEUE_NAMES, type QueueName } from '../src/queues/names.js';
import { WebhookProducer, webhookJobOptions } from '../src/queues/producer.js';

/**
 * End-to-end baseline: BullMQ moving no-op jobs through the service's own
 * queues, with its worker options and job options but no HTTP and no
 * database. Two roles, each its own process like web and worker:
 *
 *   noop-bullmq.js worker --expect N --max-seconds S
 *     one worker per queue in QUEUE_NAMES (WORKER_CONCURRENCY each, 1 for
 *     `maintenance`), as workers/worker-pool.ts starts them; sends
 *     {type: 'done', at} over IPC when N jobs have completed.
 *   noop-bullmq.js producer --jobs payments=N,refunds=M --concurrency C
 *     adds the jobs C at a time through WebhookProducer, as the receiver
 *     does one per request; sends {type: 'added', firstAt, lastAt}.
 *
 * Both read the service configuration from the environment.
 */
export type NoopBullmqMessage =
  | { type: 'ready' }
  | { type: 'done'; at: number; completed: number }
  | { type: 'added'; firstAt: number; lastAt: number; added: number }
  | { type: 'error'; message: string };

const WEBHOOK_QUEUES: QueueName[] = ['payments', 'refunds', 'subscriptions'];

function send(message: NoopBullmqMessage): Promise<void> {
  return new Promise((resolve) => (process.send === undefined ? resolve() : process.send(message, () => resolve())));
}

async function runWorkers(expected: number, maxSeconds: number): Promise<void> {
  const config = loadConfig();
  const backend = createQueueBackend(config.queue, config.databaseUrl);
  const options = {
    ...backend.workerOptions(),
    concurrency: config.worker.concurrency,
    lockDuration: config.worker.lockDurationMs,
    stalledInterval: config.worker.stalledIntervalMs,
  };
  const processor = async () => 'processed';
  const workers: Worker[] = QUEUE_NAMES.map(
    (name) => new backend.Worker(name, processor, { ...options, concurrency: WEBHOOK_QUEUES.includes(name) ? config.worker.concurrency : 1 }),
  );
  let completed = 0;
  const done = new Promise<number>((resolve) => {
    for (const worker of workers) {
      worker.on('error', (error) => process.stderr.write(`noop-bullmq worker error on ${worker.name}: ${error.message}\n`));
      worker.on('completed', () => {
        completed += 1;
        if (completed === expected) resolve(Date.now());
      });
    }
  });
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  await send({ type: 'ready' });

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`only ${completed} of ${expected} no-op jobs completed within ${maxSeconds} s`)), maxSeconds * 1000);
  });
  try {
    const at = await Promise.race([done, timeout]);
    await send({ type: 'done', at, completed });
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((worker) => worker.close(true)));
    await backend.close();
  }
}

async function runProducer(jobs: Map<QueueName, number>, concurrency: number): Promise<void> {
  const config = loadConfig();
  const backend = createQueueBackend(config.queue, config.databaseUrl);
  const producer = new WebhookProducer(backend, webhookJobOptions({ attempts: config.worker.attempts, backoffMs: config.worker.backoffMs }), { failFast: true });
  const plan: { queue: QueueName; index: number }[] = [];
  for (const [queue, count] of jobs) for (let index = 0; index < count; index += 1) plan.push({ queue, index });
  // Interleave queues the way mixed deliveries arrive, instead of all of one queue first.
  plan.sort((a, b) => a.index - b.index);

  let next = 0;
  const firstAt = Date.now();
  const addLoop = async () => {
    while (next < plan.length) {
      const item = plan[next] as { queue: QueueName; index: number };
      next += 1;
      await producer.enqueue(item.queue, `noop-${item.queue}-${item.index}`, { webhookEventId: item.index + 1 }, config.receiver.enqueueTimeoutMs);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, addLoop));
    await send({ type: 'added', firstAt, lastAt: Date.now(), added: plan.length });
  } finally {
    await producer.close();
    await backend.close();
  }
}

function parseJobs(value: string): Map<QueueName, number> {
  const jobs = new Map<QueueName, number>();
  for (const part of value.split(',')) {
    const [name, count] = part.split('=');
    if (!QUEUE_NAMES.includes(name as QueueName) || !Number.isInteger(Number(count))) throw new Error(`invalid --jobs entry ${part}; expected queue=count`);
    jobs.set(name as QueueName, Number(count));
  }
  return jobs;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    expect: { type: 'string' },
    'max-seconds': { type: 'string', default: '600' },
    jobs: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
  },
});

try {
  if (positionals[0] === 'worker') await runWorkers(Number(values.expect), Number(values['max-seconds']));
  else if (positionals[0] === 'producer') await runProducer(parseJobs(values.jobs ?? ''), Number(values.concurrency));
  else throw new Error('usage: noop-bullmq.js worker --expect N | producer --jobs queue=N,... --concurrency C');
  process.exit(0);
} catch (error) {
  await send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
