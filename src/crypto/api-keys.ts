import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'ehx_';

/** Creates an API key; only its SHA-256 hash is stored, the key itself is shown once. */
export function generateApiKey(): { key: string; hash: string; displayPrefix: string } {
  const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashApiKey(key), displayPrefix: key.slice(0, 10) };
}

/** Hashes a presented key for lookup. A fast hash is enough because keys carry 192 random bits. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
