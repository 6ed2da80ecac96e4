import type { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../logger.js';
import { QUEUE_NAMES, type QueueName } from '../queues/names.js';
import { createServices, type Services } from '../services.js';
import { applyWebhookEventFilter } from '../webhook-log/query.js';
import { NotReplayableError, findReplayRow, replayWebhookEvent, type ReplayRow } from '../webhook-log/replay.js';
import { startProgress } from './progress.js';

/** BullMQ jobs read per page when retrying a queue's failed jobs. */
const PAGE = 500;

async function withServices<T>(run: (services: Services, enqueueTimeoutMs: number) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const services = createServices(config, 'worker', createLogger({ env: config.env, level: 'warn' }));
  try {
    return await run(services, config.receiver.enqueueTimeoutMs);
  } finally {
    await services.close();
  }
}

function output(json: boolean, value: Record<string, unknown>, line: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${line}\n`);
}

/** Registers `webhooks replay`, `webhooks replay-failed` and `queues retry-failed`. They need the service's full configuration. */
export function registerOperationCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('replay stored webhook events through the workers');

  webhooks
    .command('replay <id>')
    .description('replay one webhook log row by id (any organisation)')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      if (!/^\d{1,15}$/.test(id)) throw new Error(`Invalid webhook event id ${id}: expected a number`);
      const result = await withServices(async (services, enqueueTimeoutMs) => {
        const row = await findReplayRow(services.db, null, Number(id));
        if (row === undefined) throw new Error(`Webhook event ${id} not found`);
        return replayWebhookEvent({ db: services.db, producer: services.producer, enqueueTimeoutMs }, row);
      });
      output(options.json === true, { id: Number(id), status: 'queued', job_id: result.jobId }, `queued webhook event ${id} as job ${result.jobId}`);
    });

  webhooks
    .command('replay-failed')
    .description('replay every failed webhook event, optionally since a time or for one provider')
    .option('--since <time>', 'only events received at or after this ISO 8601 time')
    .option('--provider <provider>', 'stripe or razorpay')
    .option('--json', 'print JSON')
    .action(async (options: { since?: string; provider?: string; json?: boolean }) => {
      const since = options.since === undefined ? undefined : new Date(options.since);
      if (since !== undefined && Number.isNaN(since.getTime())) throw new Error(`Invalid --since ${options.since}: expected an ISO 8601 time`);
      if (options.provider !== undefined && options.provider !== 'stripe' && options.provider !== 'razorpay') {
        throw new Error(`Invalid --provider ${options.provider}: expected stripe or razorpay`);
      }
      const provider = options.provider as 'stripe' | 'razorpay' | undefined;
      const summary = await withServices(async (services, enqueueTimeoutMs) => {
        const rows = await applyWebhookEventFilter(services.db('webhook_events'), null, { status: 'failed', since, provider })
          .orderBy('id')
          .select<ReplayRow[]>('id', 'provider', 'source_key', 'provider_event_id', 'type', 'status', 'payload');
        const progress = startProgress(rows.length, { json: options.json === true, label: 'replaying' });
        const skipped: { id: number; reason: string }[] = [];
        for (const row of rows) {
          try {
            await replayWebhookEvent({ db: services.db, producer: services.producer, enqueueTimeoutMs }, row);
          } catch (error) {
            if (!(error instanceof NotReplayableError)) throw error;
            skipped.push({ id: row.id, reason: error.message });
          }
          progress.increment();
        }
        progress.stop();
        return { total: rows.length, queued: rows.length - skipped.length, skipped };
      });
      output(options.json === true, summary, `queued ${summary.queued} of ${summary.total} failed webhook events (${summary.skipped.length} not replayable)`);
    });

  program
    .command('queues')
    .description('operate on BullMQ queues')
    .command('retry-failed <queue>')
    .description(`move every failed job of a queue back to waiting (${QUEUE_NAMES.join(', ')})`)
    .option('--json', 'print JSON')
    .action(async (queueName: string, options: { json?: boolean }) => {
      if (!(QUEUE_NAMES as readonly string[]).includes(queueName)) throw new Error(`Unknown queue ${queueName}; expected one of ${QUEUE_NAMES.join(', ')}`);
      const retried = await withServices(async (services) => {
        const queue = services.producer.queue(queueName as QueueName);
        const total = await queue.getFailedCount();
        const progress = startProgress(total, { json: options.json === true, label: `retrying ${queueName}` });
        let count = 0;
        // Retried jobs leave the failed set, so the first page is read until it is empty; the count bounds the loop.
        for (let pass = 0; pass <= Math.ceil(total / PAGE); pass += 1) {
          const jobs = await queue.getFailed(0, PAGE - 1);
          if (jobs.length === 0) break;
          for (const job of jobs) {
            await job.retry('failed');
            count += 1;
            progress.increment();
          }
        }
        progress.stop();
        return count;
      });
      output(options.json === true, { queue: queueName, retried }, `moved ${retried} failed jobs of ${queueName} back to waiting`);
    });
}
