/** A Stripe secret key (`sk_test_...`, `sk_live_...`) or restricted key (`rk_...`); publishable keys cannot manage endpoints. */
export const STRIPE_API_KEY_PATTERN = /^(sk|rk)_(test|live)_\w{8,247}$/;

/** Returns the mode a key belongs to from its prefix: `sk_live_` and `rk_live_` are live mode. */
export function livemodeOfKey(apiKey: string): boolean {
  return /^(sk|rk)_live_/.test(apiKey);
}

/** Replaces anything shaped like a Stripe key in a message, so an error text from Stripe cannot carry one into a response or a log. */
export function redactStripeKeys(message: string): string {
  return message.replace(/\b(sk|rk|pk)_(test|live)_[\w*]+/g, '[redacted key]');
}
