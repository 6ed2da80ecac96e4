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

/**
 * Records a verified delivery. A repeat of the same provider event for the
 * same source only bumps `delivery_count`, so concurrent duplicates produce
 * one row, decided by the unique constraint rather than by a read first.
 */
export async function recordDelivery(db: Db, delivery: VerifiedDelivery): Promise<DeliveryRecord> {
  const { source } = delivery;
  const result = await db.raw<{ rows: { id: number; status: string; inserted: boolean; delivery_count: number }[] }>(
    `INSERT INTO webhook_events
       (organisation_id, provider, source_key, connection_id, event_id, provider_event_id, type, livemode,
        status, last_error, payload, body_bytes, provider_created_at, job_id, processed_at, search_keys)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[])
     ON CONFLICT (provider, source_key, provider_event_id) DO UPDATE
       SET delivery_count = webhook_events.delivery_count + 1, last_delivered_at = now(), updated_at = now()
     RETURNING id, status, delivery_count, (xmax = 0) AS inserted`,
    [
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
    ],
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');
  return { id: row.id, status: row.status, inserted: row.inserted, deliveryCount: row.delivery_count };
}

/** Moves a row from `received` to `queued`; a worker that got there first is never overwritten. */
export async function markQueued(db: Db, id: number): Promise<void> {
  await db('webhook_events').where({ id, status: 'received' }).update({ status: 'queued', updated_at: db.fn.now() });
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
