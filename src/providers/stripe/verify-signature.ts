import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureVerificationError } from '../signature-error.js';

/**
 * Parses `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`. Returns null when the
 * header has no usable timestamp or v1 value. Values that are not 64 hex
 * characters are skipped, and the last usable `t` wins.
 */
function parseHeader(header: string): { timestamp: number; signatures: Buffer[] } | null {
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2).map((item) => item.trim());
    if (key === 't' && value !== undefined && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

/**
 * Verifies a `Stripe-Signature` header against the exact raw body with any of
 * the given secrets. Stripe signs the bytes `<t>.<body>` with HMAC-SHA256, so
 * the HMAC here is computed over those bytes. The SDK's `verifyHeader` (stripe
 * 23.2.0) decodes the body as UTF-8 first, which replaces invalid bytes and so
 * rejects a body that Stripe did sign. Timestamps more than the tolerance in
 * the future are rejected too, so a captured request cannot be held back and
 * replayed later.
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

  const parsed = parseHeader(header);
  if (parsed === null) {
    throw new SignatureVerificationError('malformed_signature', 'Malformed Stripe-Signature header: expected t=<timestamp>,v1=<hex signature>');
  }
  const skewSeconds = Math.abs(Math.floor(nowMs / 1000) - parsed.timestamp);
  if (skewSeconds > toleranceSeconds) {
    throw new SignatureVerificationError(
      'timestamp_outside_tolerance',
      `Stripe-Signature timestamp is ${skewSeconds} s away from now; the tolerance is ${toleranceSeconds} s`,
    );
  }

  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.`).update(rawBody).digest();
    if (parsed.signatures.some((signature) => timingSafeEqual(expected, signature))) return;
  }
  throw new SignatureVerificationError('signature_mismatch', 'No Stripe-Signature v1 value matches the body signed with any configured secret');
}
