import type { Db } from '../src/db/knex.js';
import type { Provider } from '../src/domain/events.js';

/** Longest `last_error` stored, in characters. */
const MAX_ERROR_LENGTH = 1000;

export interface StoredWebhookEvent {
  id: number;
  organisation_id: string | null;
  provider: Provider;
  provider_event_id: string | null;
  type: string | null;
  status: string;
  payload: string | null;
  received_at: Date;
}

export async function loadWebhookEvent(db: Db, id: number): Promise<StoredWebhookEvent | undefined> {
  return db('webhook_events')
    .where({ id })
    .first<StoredWebhookEvent | undefined>('id', 'organisation_id', 'provider', 'provider_event_id', 'type', 'status', 'payload', 'received_at');
}

/** Marks the start of an attempt; rows already finished are left alone. */
export async function markProcessing(db: Db, id: number): Promise<void> {
  await db('webhook_events')
    .where({ id })
    .whereNotIn('status', ['processed', 'ignored'])
    .update({ status: 'processing', attempts: db.raw('attempts + 1'), updated_at: db.fn.now() });
}

/** Records why an attempt did not finish, with the status the row waits in (`queued` for a retry, `failed` at the end). */
export async function markUnfinished(db: Db, id: number, status: 'queued' | 'failed', error: string): Promise<void> {
  await db('webhook_events')
    .where({ id })
    .whereNotIn('status', ['processed', 'ignored'])
    .update({ status, last_error: error.slice(0, MAX_ERROR_LENGTH), updated_at: db.fn.now() });
}

/** Leaves a refund's row `queued` while its job waits for payment `providerPaymentId`, which the payment's worker looks up. */
export async function markWaitingForPayment(db: Db, id: number, providerPaymentId: string, error: string): Promise<void> {
  await db('webhook_events')
    .where({ id })
    .whereNotIn('status', ['processed', 'ignored'])
    .update({ status: 'queued', last_error: error.slice(0, MAX_ERROR_LENGTH), waiting_for_payment_id: providerPaymentId, updated_at: db.fn.now() });
}
