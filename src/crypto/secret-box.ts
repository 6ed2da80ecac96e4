import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** A sealed secret that the configured key cannot open. */
export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
  constructor() {
    super('A stored secret does not decrypt with ENCRYPTION_KEY: the key differs from the one that sealed it, or the stored value was altered');
  }
}

/**
 * Encrypts secrets at rest with AES-256-GCM. The stored form is
 * `v1.<iv>.<tag>.<ciphertext>` in base64url, so the key can be rotated later
 * by adding a version.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox key must be 32 bytes');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new Error('Sealed secret has an unknown format');
    }
    const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // GCM reports a wrong key and tampered data alike, as a failed authentication tag check.
      throw new SecretDecryptionError();
    }
  }

  sealList(values: string[]): string {
    return this.seal(JSON.stringify(values));
  }

  openList(sealed: string): string[] {
    const parsed: unknown = JSON.parse(this.open(sealed));
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  }
}
