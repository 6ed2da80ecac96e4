import type { Db } from '../src/db/knex.js';
import type { Provider } from '../src/domain/events.js';
import type { Logger } from '../src/logger.js';
import type { WebhookProducer } from '../src/queues/producer.js';
import { webhookJobId } from '../src/queues/job-id.js';
import { queueFor } from '../src/queues/routing.js';

/** Rows enqueued per sweep; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

/**
 * Enqueues webhook log rows still `received` some time after they arrived:
 * the receiver stored them but could not reach the queue (Redis down). The
 * job id makes this safe when the job does exist after all. Then enqueues
 * unfinished rows whose job Redis no longer has (see {@link requeueLostJobs}).
 */
export async function sweepReceived(deps: { db: Db; producer: WebhookProducer; logger: Logger; minAgeMs: number; enqueueTimeoutMs: number }): Promise<number> {
  const rows = await deps.db('webhook_events')
    .where({ status: 'received' })
    .andWhere('received_at', '<', new Date(Date.now() - deps.minAgeMs))
    .orderBy('id')
    .limit(SWEEP_BATCH)
    .select<{ id: number; provider: Provider; source_key: string; provider_event_id: string; type: string }[]>('id', 'provider', 'source_key', 'provider_event_id', 'type');
  let enqueued = 0;
  for (const row of rows) {
    const queue = queueFor(row.provider, row.type);
    if (queue === undefined) continue;
    const jobId = webhookJobId(row.provider, row.source_key, row.provider_event_id);
    await deps.producer.enqueue(queue, jobId, { webhookEventId: row.id }, deps.enqueueTimeoutMs);
    await deps.db('webhook_events').where({ id: row.id, status: 'received' }).update({ status: 'queued', updated_at: deps.db.fn.now() });
    enqueued += 1;
  }
  if (rows.length > 0) deps.logger.info('sweeper enqueued stored webhook events', { found: rows.length, enqueued });
  return enqueued + (await requeueLostJobs(deps));
}

/**
 * Enqueues again the rows left `queued` or `processing` for at least
 * `minAgeMs` whose BullMQ job no longer exists, and retries those whose job
 * failed. A Redis that restarts without persistence (or fails over to an
 * empty replica) loses waiting and delayed jobs, and nothing else would run
 * those events. A row in either status has its job until the job completes,
 * so a missing job means a lost one. A failed job whose row is not `failed`
 * failed while its failure could not be written, mostly because Postgres was
 * unreachable for longer than the job's retries lasted. The worker skips
 * events already processed, so running a job again is harmless. Replayed
 * rows are left alone, because a replay's job has an id of its own.
 */
export async function requeueLostJobs(deps: { db: Db; producer: WebhookProducer; logger: Logger; minAgeMs: number; enqueueTimeoutMs: number }): Promise<number> {
  const rows = await deps.db('webhook_events')
    .whereIn('status', ['queued', 'processing'])
    .andWhere('updated_at', '<', new Date(Date.now() - deps.minAgeMs))
    .andWhere('replay_count', 0)
    .orderBy('received_at')
    .limit(SWEEP_BATCH)
    .select<{ id: number; provider: Provider; source_key: string; provider_event_id: string; type: string }[]>('id', 'provider', 'source_key', 'provider_event_id', 'type');
  let requeued = 0;
  let retried = 0;
  for (const row of rows) {
    const queue = queueFor(row.provider, row.type);
    if (queue === undefined) continue;
    const jobId = webhookJobId(row.provider, row.source_key, row.provider_event_id);
    const job = await deps.producer.queue(queue).getJob(jobId);
    if (job === undefined) {
      await deps.producer.enqueue(queue, jobId, { webhookEventId: row.id }, deps.enqueueTimeoutMs);
      requeued += 1;
    } else if (await job.isFailed()) {
      try {
        await job.retry('failed', { resetAttemptsMade: true });
        retried += 1;
      } catch (error) {
        // Another worker or sweeper moved the job first, so the next sweep looks at the row again.
        deps.logger.warn('sweeper could not retry a failed job', { webhookEventId: row.id, jobId, error: (error as Error).message });
      }
    }
  }
  if (requeued + retried > 0) deps.logger.warn('sweeper enqueued webhook events whose jobs were lost or failed unrecorded', { checked: rows.length, requeued, retried });
  return requeued + retried;
}
