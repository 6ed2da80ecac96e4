import { randomBytes } from 'node:crypto';

/** Crockford base32: no I, L, O or U, so ids survive being read aloud or retyped. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type IdPrefix = 'org' | 'tev' | 'pc' | 'reg' | 'key' | 'rpb';

/** Generates a public id such as `reg_01JF8T4K2M9QZ3XW` (16 random base32 characters, 80 bits). */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(16);
  let body = '';
  for (const byte of bytes) body += ALPHABET[byte % 32];
  return `${prefix}_${body}`;
}

/** Checks the shape of a public id before it reaches a query, so junk in a URL is a 404, not a database error. */
export function isPublicId(value: unknown, prefix: IdPrefix): value is string {
  return typeof value === 'string' && value.length <= 64 && new RegExp(`^${prefix}_[0-9A-Za-z]{1,60}$`).test(value);
}
