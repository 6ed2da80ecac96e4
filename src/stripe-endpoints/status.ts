import type { SecretBox } from '../crypto/secret-box.js';
import type { Logger } from '../logger.js';
import type { StripeEndpointSettings } from '../config/config.js';
import { createStripeClient } from '../providers/stripe/client.js';
import { ApiError } from '../api/api-error.js';
import { isStripeNotFound, stripeErrorFields, toApiError } from './stripe-errors.js';

/**
 * State of a connection's endpoint in Stripe: Stripe's own `status`
 * (`enabled`, `disabled`), `missing` when Stripe returns 404 for it, or
 * `unknown` when the request to Stripe failed or timed out.
 */
export interface EndpointStatus {
  id: string;
  status: string;
  url?: string;
  enabled_events?: string[];
  /** Reason the status is `unknown`. */
  error?: { code: string; message: string };
}

/** Returns true when the endpoint cannot deliver: Stripe disabled it or it no longer exists. */
export function endpointIsBroken(status: EndpointStatus | null): boolean {
  return status !== null && (status.status === 'disabled' || status.status === 'missing');
}

class DeadlineError extends Error {}

/** Settles with `promise`, or rejects with a {@link DeadlineError} after `timeoutMs`, whichever is first. */
async function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError()), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks Stripe for a connection's endpoint (`webhookEndpoints.retrieve`),
 * without retries and within `settings.statusTimeoutMs`. The SDK timeout
 * (stripe-node 23.2.0 calls `req.setTimeout`) only limits idle time on the
 * socket, so a deadline bounds the whole call.
 * Returns null when the connection has no endpoint. A Stripe failure
 * becomes status `unknown`, and only other errors are thrown.
 */
export async function readEndpointStatus(
  deps: { box: SecretBox; settings: StripeEndpointSettings; logger: Logger },
  row: { id: string; stripe_api_key: string | null; stripe_webhook_endpoint_id: string | null },
): Promise<EndpointStatus | null> {
  const endpointId = row.stripe_webhook_endpoint_id;
  if (endpointId === null) return null;
  if (row.stripe_api_key === null) {
    return { id: endpointId, status: 'unknown', error: { code: 'stripe_api_key_missing', message: 'The connection has no Stripe API key to read the endpoint with' } };
  }

  const timeoutMs = deps.settings.statusTimeoutMs;
  const client = createStripeClient(deps.box.open(row.stripe_api_key), deps.settings.api);
  try {
    const endpoint = await withDeadline(client.webhookEndpoints.retrieve(endpointId, {}, { timeout: timeoutMs, maxNetworkRetries: 0 }), timeoutMs);
    return { id: endpointId, status: endpoint.status, url: endpoint.url, enabled_events: endpoint.enabled_events };
  } catch (error) {
    if (isStripeNotFound(error)) return { id: endpointId, status: 'missing' };
    if (error instanceof DeadlineError) {
      deps.logger.warn('Stripe webhook endpoint status timed out', { connectionId: row.id, endpointId, timeoutMs });
      return { id: endpointId, status: 'unknown', error: { code: 'stripe_timeout', message: `Stripe did not return the endpoint within ${timeoutMs} ms` } };
    }
    deps.logger.warn('Stripe webhook endpoint status not read', { connectionId: row.id, endpointId, ...stripeErrorFields(error) });
    const mapped = toApiError(error, 'read the webhook endpoint');
    if (mapped instanceof ApiError) return { id: endpointId, status: 'unknown', error: { code: mapped.code, message: mapped.message } };
    throw mapped;
  }
}
