/**
 * ISO 4217 minor-unit exponents that differ from the usual 2. Amounts are
 * always integers in the minor unit: cents for USD, yen for JPY (exponent 0),
 * fils for KWD (exponent 3), paise for INR.
 */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const THREE_DECIMAL = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/** Normalises a provider's currency code (Stripe sends `usd`, Razorpay `INR`) to upper case. */
export function normaliseCurrency(code: string): string {
  return code.trim().toUpperCase();
}

export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Za-z]{3}$/.test(code);
}

/** ISO 4217 codes known to this Node.js build's ICU data (162 codes in Node 24). */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** True for a current ISO 4217 code such as `usd` or `INR`, in either case. */
export function isKnownCurrency(code: unknown): code is string {
  return isCurrencyCode(code) && KNOWN_CURRENCIES.has(normaliseCurrency(code));
}

/** Message for request fields whose currency code is not known. */
export const CURRENCY_CODE_MESSAGE = 'must be an ISO 4217 currency code such as USD or INR';

/** Number of decimal places of the currency's minor unit. */
export function minorUnitExponent(currency: string): number {
  const code = normaliseCurrency(currency);
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** Formats an integer minor-unit amount for people, e.g. `4500 USD` as `45.00 USD`, `1500 JPY` as `1500 JPY`. */
export function formatMinor(amount: number, currency: string): string {
  const exponent = minorUnitExponent(currency);
  const sign = amount < 0 ? '-' : '';
  const digits = Math.abs(amount).toString().padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return `${sign}${whole} ${normaliseCurrency(currency)}`;
}
