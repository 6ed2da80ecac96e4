/** Reason a webhook signature did not verify. Each maps to a 400 and a `rejected` log row. */
export type SignatureFailure =
  | 'missing_signature'
  | 'malformed_signature'
  | 'timestamp_outside_tolerance'
  | 'signature_mismatch'
  | 'no_secret_configured';

export class SignatureVerificationError extends Error {
  override name = 'SignatureVerificationError';
  constructor(readonly reason: SignatureFailure, message: string) {
    super(message);
  }
}
