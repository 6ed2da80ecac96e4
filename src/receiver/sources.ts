import type { SecretBox } from '../crypto/secret-box.js';
import { isPublicId } from '../crypto/ids.js';
import type { Db } from '../db/knex.js';
import type { Provider } from '../domain/events.js';

/** Endpoint a delivery was addressed to, with the secrets that verify it. */
export interface WebhookSource {
  provider: Provider;
  /** `connection:<id>`, `event:<id>` or `default`; part of the de-duplication key. */
  sourceKey: string;
  organisationId: string | null;
  connectionId: string | null;
  eventId: string | null;
  secrets: string[];
  /** The connection's mode; null when the source has none to compare with. */
  livemode: boolean | null;
}

/**
 * Finds a Stripe payment connection by id; undefined when it does not exist.
 * Its secrets are the current ones, then those of a replaced endpoint until
 * `previous_secrets_expire_at` (compared with the database clock).
 */
export async function findStripeConnectionSource(db: Db, box: SecretBox, connectionId: string): Promise<WebhookSource | undefined> {
  if (!isPublicId(connectionId, 'pc')) return undefined;
  const row = await db('payment_connections')
    .where({ id: connectionId, provider: 'stripe' })
    .first<{ id: string; organisation_id: string; webhook_secrets: string; previous_webhook_secrets: string | null; livemode: boolean } | undefined>(
      'id',
      'organisation_id',
      'webhook_secrets',
      db.raw('CASE WHEN previous_secrets_expire_at > now() THEN previous_webhook_secrets END AS previous_webhook_secrets'),
      'livemode',
    );
  if (row === undefined) return undefined;
  return {
    provider: 'stripe',
    sourceKey: `connection:${row.id}`,
    organisationId: row.organisation_id,
    connectionId: row.id,
    eventId: null,
    secrets: [...box.openList(row.webhook_secrets), ...(row.previous_webhook_secrets === null ? [] : box.openList(row.previous_webhook_secrets))],
    livemode: row.livemode,
  };
}

/** Builds the development route's source: secrets from `STRIPE_WEBHOOK_SECRET`, no organisation. */
export function defaultStripeSource(secrets: string[]): WebhookSource {
  return { provider: 'stripe', sourceKey: 'default', organisationId: null, connectionId: null, eventId: null, secrets, livemode: null };
}

/** Finds the ticketing event a Razorpay webhook URL names; undefined when it does not exist. */
export async function findRazorpayEventSource(db: Db, box: SecretBox, eventId: string): Promise<WebhookSource | undefined> {
  if (!isPublicId(eventId, 'tev')) return undefined;
  const row = await db('events')
    .where({ id: eventId })
    .first<{ id: string; organisation_id: string; razorpay_webhook_secrets: string | null } | undefined>('id', 'organisation_id', 'razorpay_webhook_secrets');
  if (row === undefined) return undefined;
  return {
    provider: 'razorpay',
    sourceKey: `event:${row.id}`,
    organisationId: row.organisation_id,
    connectionId: null,
    eventId: row.id,
    secrets: row.razorpay_webhook_secrets === null ? [] : box.openList(row.razorpay_webhook_secrets),
    livemode: null,
  };
}
