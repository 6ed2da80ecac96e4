/**
 * Parses provider JSON, removing U+0000 from string values. Postgres text
 * columns cannot hold NUL, and no provider id, type or message needs it, so
 * a `\u0000` in a signed body would otherwise turn a valid delivery into a
 * database error and a provider retry loop.
 */
export function parseProviderJson(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '') : value));
}
