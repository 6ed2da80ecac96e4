import Stripe from 'stripe';
import type { StripeApiSettings } from '../../config/config.js';

/**
 * Builds a Stripe client for one organiser's key. Requests go to the
 * configured origin (tests point it at a local stub), with one network
 * retry: stripe-node 23 retries connection errors, 409 and 5xx, never 429.
 */
export function createStripeClient(apiKey: string, api: StripeApiSettings): Stripe {
  return new Stripe(apiKey, {
    protocol: api.protocol,
    host: api.host,
    port: api.port,
    maxNetworkRetries: 1,
    ...(api.timeoutMs === undefined ? {} : { timeout: api.timeoutMs }),
    telemetry: false,
  });
}
