import { ApiError } from '../api/api-error.js';
import { isPublicId } from '../crypto/ids.js';
import type { Db } from '../db/knex.js';

/** A `payment_connections` row with the columns endpoint management reads; secrets and the key are still sealed. */
export interface ConnectionRow {
  id: string;
  organisation_id: string;
  provider: string;
  livemode: boolean;
  webhook_secrets: string;
  stripe_api_key: string | null;
  stripe_webhook_endpoint_id: string | null;
  previous_secrets_expire_at: Date | null;
  created_at: Date;
}

const CONNECTION_COLUMNS = [
  'id',
  'organisation_id',
  'provider',
  'livemode',
  'webhook_secrets',
  'stripe_api_key',
  'stripe_webhook_endpoint_id',
  'previous_secrets_expire_at',
  'created_at',
] as const;

/** Returns the URL Stripe posts a connection's events to. */
export function stripeWebhookUrl(publicBaseUrl: string, connectionId: string): string {
  return `${publicBaseUrl}/webhooks/stripe/${connectionId}`;
}

/**
 * Reads a Stripe payment connection, or throws a 404 {@link ApiError}. With an
 * organisation id, another organisation's connection is not found either.
 */
export async function findConnection(db: Db, connectionId: string, organisationId?: string): Promise<ConnectionRow> {
  const row = isPublicId(connectionId, 'pc')
    ? await db('payment_connections')
        .where({ id: connectionId, provider: 'stripe' })
        .modify((builder) => {
          if (organisationId !== undefined) builder.where({ organisation_id: organisationId });
        })
        .first<ConnectionRow | undefined>(...CONNECTION_COLUMNS)
    : undefined;
  if (row === undefined) throw ApiError.notFound('Payment connection', connectionId);
  return row;
}

/** Builds the API view of a connection; sealed columns never leave this function. */
export function presentConnection(row: ConnectionRow, publicBaseUrl: string) {
  return {
    id: row.id,
    provider: row.provider,
    livemode: row.livemode,
    webhook_url: stripeWebhookUrl(publicBaseUrl, row.id),
    stripe_api_key_set: row.stripe_api_key !== null,
    previous_secrets_expire_at: row.previous_secrets_expire_at,
    created_at: row.created_at,
  };
}
