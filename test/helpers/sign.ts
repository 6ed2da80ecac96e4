import { createHmac } from 'node:crypto';
import Stripe from 'stripe';

const stripe = new Stripe('sk_test_helpers_only');

/** Signs a body the way Stripe does: `t=<timestamp>,v1=<HMAC-SHA256 of "t.body">`. */
export function stripeSignature(rawBody: Buffer | string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  return stripe.webhooks.generateTestHeaderString({ payload: Buffer.from(rawBody).toString('utf8'), secret, timestamp: timestampSeconds });
}

/** Signs a body the way Razorpay does: hex HMAC-SHA256 of the raw bytes. */
export function razorpaySignature(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}
