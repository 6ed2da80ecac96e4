import Stripe from 'stripe';
import { SignatureVerificationError } from '../signature-error.js';

// The SDK's signature helpers need an instance but make no network calls.
const stripe = new Stripe('sk_test_signature_verification_only');

/** Parses `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`; returns null when the header has no usable timestamp or v1. */
function parseTimestamp(header: string): number | null {
  let timestamp: number | null = null;
  let hasV1 = false;
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2).map((item) => item.trim());
    if (key === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/i.test(value)) hasV1 = true;
  }
  return hasV1 ? timestamp : null;
}

/**
 * Verifies a `Stripe-Signature` header against the exact raw body with any of
 * the given secrets. Unlike the SDK alone, timestamps more than the tolerance
 * in the future are rejected too, so a captured request cannot be held back
 * and replayed later.
 */
export function verifyStripeSignature(options: {
  rawBody: Buffer;
  header: string | undefined;
  secrets: string[];
  toleranceSeconds: number;
  nowMs: number;
}): void {
  const { rawBody, header, secrets, toleranceSeconds, nowMs } = options;
  if (secrets.length === 0) throw new SignatureVerificationError('no_secret_configured', 'No Stripe webhook secret is configured for this endpoint');
  if (header === undefined || header.trim() === '') throw new SignatureVerificationError('missing_signature', 'Missing Stripe-Signature header');

  const timestamp = parseTimestamp(header);
  if (timestamp === null) {
    throw new SignatureVerificationError('malformed_signature', 'Malformed Stripe-Signature header: expected t=<timestamp>,v1=<hex signature>');
  }
  const skewSeconds = Math.abs(Math.floor(nowMs / 1000) - timestamp);
  if (skewSeconds > toleranceSeconds) {
    throw new SignatureVerificationError(
      'timestamp_outside_tolerance',
      `Stripe-Signature timestamp is ${skewSeconds} s away from now; the tolerance is ${toleranceSeconds} s`,
    );
  }

  const sdk = stripe.webhooks.signature;
  if (sdk === null) throw new Error('stripe.webhooks.signature is unavailable in this SDK build');
  for (const secret of secrets) {
    try {
      // Tolerance 0 skips the SDK's own age check, which is done above in both directions.
      sdk.verifyHeader(rawBody, header, secret, 0);
      return;
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) throw error;
    }
  }
  throw new SignatureVerificationError('signature_mismatch', 'No Stripe-Signature v1 value matches the body signed with any configured secret');
}
