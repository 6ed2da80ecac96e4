import { createHmac } from 'node:crypto';

/**
 * Signs a body the way Stripe does (`t=<timestamp>,v1=<HMAC-SHA256 of "t." and the body bytes>`),
 * for the demo, benchmarks and tests. Never used on the receiving side.
 */
export function signStripeBody(rawBody: Buffer | string, secret: string, timestampSeconds = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(Buffer.from(rawBody)).digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}

/** Signs a body the way Razorpay does: hex HMAC-SHA256 of the raw bytes. */
export function signRazorpayBody(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}
