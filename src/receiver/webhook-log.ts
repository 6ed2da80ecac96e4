import type { Knex } from 'knex';
import type { Db } from '../db/knex.js';
import type { WebhookSource } from './sources.js';

/** Longest `last_error` stored for a rejected delivery, in characters. */
const MAX_REASON_LENGTH = 500;

export interface DeliveryRecord {
  id: number;
  status: string;
  /** True for the first delivery of this event; false for a repeat. */
  inserted: boolean;
  deliveryCount: number;
}

export interface VerifiedDelivery {
  source: WebhookSource;
  providerEventId: string;
  type: string;
  livemode: boolean | null;
  providerCreatedAt: number;
  payload: string;
  bodyBytes: number;
  status: 'received' | 'ignored';
  reason: string | null;
  jobId: string | null;
  searchKeys: string[];
}

/** Returns the key a delivery is de-duplicated on, as the unique constraint of `webhook_events` has it. */
export function deliveryKey(delivery: VerifiedDelivery): string {
  return `${delivery.source.provider}\n${delivery.source.sourceKey}\n${delivery.providerEventId}`;
}

const DELIVERY_COLUMNS = `organisation_id, provider, source_key, connection_id, event_id, provider_event_id, type, livemode,
        status, last_error, payload, body_bytes, provider_created_at, job_id, processed_at, search_keys`;
const DELIVERY_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[])';

function deliveryBindings(delivery: VerifiedDelivery): Knex.RawBinding[] {
  const { source } = delivery;
  return [
    source.organisationId,
    source.provider,
    source.sourceKey,
    source.connectionId,
    source.eventId,
    delivery.providerEventId,
    delivery.type,
    delivery.livemode,
    delivery.status,
    delivery.reason,
    delivery.payload,
    delivery.bodyBytes,
    delivery.providerCreatedAt,
    delivery.jobId,
    delivery.status === 'ignored' ? new Date() : null,
    delivery.searchKeys,
  ];
}

/**
 * Records a verified delivery. A repeat of the same provider event for the
 * same source only bumps `delivery_count`, so concurrent duplicates produce
 * one row, decided by the unique constraint rather than by a read first.
 */
export async function recordDelivery(db: Db, delivery: VerifiedDelivery): Promise<DeliveryRecord> {
  const [record] = await recordDeliveries(db, [delivery]);
  if (record === undefined) throw new Error('INSERT ... RETURNING returned no row');
  return record;
}

/**
 * Records several verified deliveries with one multi-row INSERT and so one
 * commit, as {@link recordDelivery} does for one, and returns their records
 * in the order given. Their keys ({@link deliveryKey}) must be distinct,
 * because one statement cannot update a row twice. Rows go in key order,
 * and Postgres inserts VALUES rows in the order given, so two batches that
 * share keys take the rows' locks in the same order and do not deadlock.
 */
export async function recordDeliveries(db: Db, deliveries: VerifiedDelivery[]): Promise<DeliveryRecord[]> {
  const keyed = deliveries.map((delivery) => ({ delivery, key: deliveryKey(delivery) }));
  const ordered = [...keyed].sort((a, b) => compareKeys(a.key, b.key));
  const result = await db.raw<{
    rows: { id: number; status: string; inserted: boolean; delivery_count: number; provider: string; source_key: string; provider_event_id: string }[];
  }>(
    `INSERT INTO webhook_events
       (${DELIVERY_COLUMNS})
     VALUES ${ordered.map(() => DELIVERY_PLACEHOLDERS).join(', ')}
     ON CONFLICT (provider, source_key, provider_event_id) DO UPDATE
       SET delivery_count = webhook_events.delivery_count + 1, last_delivered_at = now(), updated_at = now()
     RETURNING id, status, delivery_count, (xmax = 0) AS inserted, provider, source_key, provider_event_id`,
    ordered.flatMap(({ delivery }) => deliveryBindings(delivery)),
  );
  const byKey = new Map(result.rows.map((row) => [`${row.provider}\n${row.source_key}\n${row.provider_event_id}`, row]));
  return keyed.map(({ key }) => {
    const row = byKey.get(key);
    if (row === undefined) throw new Error('INSERT ... RETURNING returned no row for a delivery');
    return { id: row.id, status: row.status, inserted: row.inserted, deliveryCount: row.delivery_count };
  });
}

function compareKeys(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

/**
 * Moves rows from `received` to `queued`; a worker that got there first is
 * never overwritten. The commit is asynchronous (`synchronous_commit` off
 * for this statement's transaction only), so it does not wait for a WAL
 * flush: if Postgres crashes before writing it, the rows stay `received`
 * and the sweeper enqueues them again, which their job ids make a no-op.
 */
export async function markQueued(db: Db, ids: number[]): Promise<void> {
  await db.raw(
    `WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
     UPDATE webhook_events SET status = 'queued', updated_at = now()
      WHERE id = ANY(?::bigint[]) AND status = 'received' AND EXISTS (SELECT 1 FROM async_commit)`,
    [ids],
  );
}

/** Records a rejected delivery with its reason. The body is not stored: it was not verified. */
export async function recordRejected(
  db: Db,
  rejected: { provider: WebhookSource['provider']; sourceKey: string; organisationId: string | null; connectionId: string | null; eventId: string | null; reason: string; bodyBytes: number },
): Promise<void> {
  await db('webhook_events').insert({
    organisation_id: rejected.organisationId,
    provider: rejected.provider,
    source_key: rejected.sourceKey,
    connection_id: rejected.connectionId,
    event_id: rejected.eventId,
    status: 'rejected',
    last_error: rejected.reason.slice(0, MAX_REASON_LENGTH),
    body_bytes: rejected.bodyBytes,
  });
}
