import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AdminUser } from '../config/config.js';

export const SESSION_COOKIE = 'eventhex_admin';
/** Lifetime of an admin session, in seconds; after it the operator logs in again. */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;
/** Maximum token length accepted. A 200-character username of 4-byte UTF-8 characters gives a token of about 1,200. */
const MAX_TOKEN_LENGTH = 4096;

interface SessionClaims {
  /** Role. */
  r: AdminUser['role'];
  /** Username. */
  u: string;
  /** Expiry, Unix seconds. */
  e: number;
  /** Random nonce, so two logins in the same second get different tokens. */
  n: string;
}

/** Derives a 32-byte key for one purpose from ENCRYPTION_KEY with HKDF-SHA256, so no purpose reuses the key of another. */
export function deriveKey(encryptionKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), `eventhex ${purpose}`, 32));
}

/**
 * Issues and verifies stateless session tokens: `<claims>.<mac>`, both
 * base64url, where the MAC is HMAC-SHA256 under a key derived from
 * ENCRYPTION_KEY. The user's password is part of the MAC input, so changing
 * a password ends every session of that login. Nothing is stored on the
 * server, so logging out clears the cookie but cannot revoke a copied token
 * before it expires.
 */
export class SessionTokens {
  private readonly key: Buffer;

  constructor(encryptionKey: Buffer, private readonly users: readonly AdminUser[]) {
    this.key = deriveKey(encryptionKey, 'admin session v1');
  }

  issue(user: AdminUser, nowMs = Date.now()): string {
    const claims: SessionClaims = { r: user.role, u: user.username, e: Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS, n: randomBytes(9).toString('base64url') };
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload, user).toString('base64url')}`;
  }

  /** Returns the user of a valid, unexpired token, or undefined for anything else. */
  verify(token: string, nowMs = Date.now()): AdminUser | undefined {
    if (token.length > MAX_TOKEN_LENGTH) return undefined;
    const parts = token.split('.');
    const [payload, mac] = parts;
    if (parts.length !== 2 || payload === undefined || mac === undefined) return undefined;

    const claims = parseClaims(payload);
    if (claims === undefined) return undefined;
    const user = this.users.find((candidate) => candidate.role === claims.r && candidate.username === claims.u);
    if (user === undefined) return undefined;

    const expected = this.mac(payload, user);
    const presented = Buffer.from(mac, 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return undefined;
    if (claims.e * 1000 <= nowMs) return undefined;
    return user;
  }

  private mac(payload: string, user: AdminUser): Buffer {
    // Environment variables cannot contain NUL, so the fields cannot run into each other.
    return createHmac('sha256', this.key).update(`${user.role}\0${user.username}\0${user.password}\0${payload}`).digest();
  }
}

function parseClaims(payload: string): SessionClaims | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const claims = value as Record<string, unknown>;
    if ((claims['r'] !== 'admin' && claims['r'] !== 'viewer') || typeof claims['u'] !== 'string' || typeof claims['e'] !== 'number' || typeof claims['n'] !== 'string') {
      return undefined;
    }
    return claims as unknown as SessionClaims;
  } catch {
    return undefined;
  }
}

/** Reads one cookie from the request's Cookie header; undefined when it is absent. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0 || part.slice(0, separator).trim() !== name) continue;
    return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * Sets the session cookie: HttpOnly so page scripts cannot read it,
 * SameSite=Strict so other sites cannot send it, Path=/admin so the API and
 * webhook routes never see it, and Secure when the service is served over https.
 */
export function setSessionCookie(res: Response, token: string, secure: boolean): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${token}; Max-Age=${SESSION_TTL_SECONDS}; Path=/admin; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=; Max-Age=0; Path=/admin; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`);
}
