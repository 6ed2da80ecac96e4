import { createHmac } from 'node:crypto';
import Stripe from 'stripe';

// Signing needs an SDK instance but makes no network calls.
const stripe = new Stripe('sk_test_signing_only');

/**
 * Signs a body the way Stripe does (`t=<timestamp>,v1=<HMAC-SHA256 of "t.body">`),
 * for the demo, benchmarks and tests. Never used on the receiving side.
 */
export function signStripeBody(rawBody: Buffer | string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  return stripe.webhooks.generateTestHeaderString({ payload: Buffer.from(rawBody).toString('utf8'), secret, timestamp: timestampSeconds });
}

/** Signs a body the way Razorpay does: hex HMAC-SHA256 of the raw bytes. */
export function signRazorpayBody(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}
