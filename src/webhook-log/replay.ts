import type { Db } from '../db/knex.js';
import type { Provider } from '../domain/events.js';
import { webhookJobId } from '../queues/job-id.js';
import type { WebhookProducer } from '../queues/producer.js';
import { queueFor } from '../queues/routing.js';

/** Statuses whose stored event may run through the workers again. */
export const REPLAYABLE_STATUSES = ['processed', 'failed', 'queued', 'received'] as const;

export interface ReplayRow {
  id: number;
  provider: Provider;
  source_key: string;
  provider_event_id: string | null;
  type: string | null;
  status: string;
  payload: string | null;
}

/** Thrown when a row cannot be replayed. The message gives the reason. */
export class NotReplayableError extends Error {
  override name = 'NotReplayableError';
}

/**
 * Re-processes a stored, already verified event through the normal worker
 * path. The signature is not checked again: its timestamp has long expired,
 * and the row was verified when it arrived. Processing rules are idempotent,
 * so replaying a processed event changes nothing they do not call for.
 */
export async function replayWebhookEvent(
  deps: { db: Db; producer: WebhookProducer; enqueueTimeoutMs: number },
  row: ReplayRow,
  batchId: string | null = null,
): Promise<{ jobId: string }> {
  if (row.status === 'rejected') throw new NotReplayableError(`Webhook event ${row.id} was rejected at receipt; it was never verified`);
  if (row.status === 'ignored') throw new NotReplayableError(`Webhook event ${row.id} was ignored at receipt (livemode mismatch or unhandled type)`);
  if (row.payload === null) throw new NotReplayableError(`Webhook event ${row.id} has no payload any more (pruned by retention)`);
  const queue = row.type === null ? undefined : queueFor(row.provider, row.type);
  if (queue === undefined || row.provider_event_id === null) throw new NotReplayableError(`Webhook event ${row.id} has no handled event type`);

  // A fresh job id, because the first job may still be kept in BullMQ's failed or completed set.
  const jobId = `${webhookJobId(row.provider, row.source_key, row.provider_event_id)}-replay-${Date.now()}`;
  // `received` until the job is added, so the sweeper picks the row up if Redis fails now.
  await deps.db('webhook_events')
    .where({ id: row.id })
    .update({
      status: 'received',
      last_error: null,
      replay_count: deps.db.raw('replay_count + 1'),
      replay_batch_id: batchId,
      updated_at: deps.db.fn.now(),
    });
  await deps.producer.enqueue(queue, jobId, { webhookEventId: row.id }, deps.enqueueTimeoutMs);
  await deps.db('webhook_events').where({ id: row.id, status: 'received' }).update({ status: 'queued', updated_at: deps.db.fn.now() });
  return { jobId };
}

/**
 * Loads a row of one organisation for replay; undefined when it does not
 * exist there. `organisationId` null finds a row of any organisation (operators only).
 */
export async function findReplayRow(db: Db, organisationId: string | null, id: number): Promise<ReplayRow | undefined> {
  return db('webhook_events')
    .where(organisationId === null ? { id } : { id, organisation_id: organisationId })
    .first<ReplayRow | undefined>('id', 'provider', 'source_key', 'provider_event_id', 'type', 'status', 'payload');
}
