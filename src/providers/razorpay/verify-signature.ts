import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureVerificationError } from '../signature-error.js';

/**
 * Verifies `X-Razorpay-Signature`: the hex HMAC-SHA256 of the raw body with the
 * webhook secret. Compared in constant time, unlike the SDK's
 * `validateWebhookSignature`, which uses `===` on strings.
 */
export function verifyRazorpaySignature(options: { rawBody: Buffer; header: string | undefined; secrets: string[] }): void {
  const { rawBody, header, secrets } = options;
  if (secrets.length === 0) throw new SignatureVerificationError('no_secret_configured', 'No Razorpay webhook secret is set for this event');
  if (header === undefined || header.trim() === '') throw new SignatureVerificationError('missing_signature', 'Missing X-Razorpay-Signature header');
  if (!/^[0-9a-f]{64}$/i.test(header.trim())) {
    throw new SignatureVerificationError('malformed_signature', 'Malformed X-Razorpay-Signature header: expected 64 hex characters');
  }

  const presented = Buffer.from(header.trim().toLowerCase(), 'hex');
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    if (timingSafeEqual(expected, presented)) return;
  }
  throw new SignatureVerificationError('signature_mismatch', 'X-Razorpay-Signature does not match the body signed with any configured secret');
}
