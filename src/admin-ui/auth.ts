import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AdminUser } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { CsrfTokens } from './csrf.js';
import { sendAdminError } from './layout.js';
import type { LoginLimiter } from './login-limiter.js';
import { SESSION_COOKIE, readCookie, type SessionTokens } from './session.js';

/** The operator behind a request, attached by {@link AdminAuthenticator.middleware}. */
export interface AdminIdentity {
  role: AdminUser['role'];
  username: string;
  /** Credential the request was authenticated with: the session cookie or an HTTP Basic `Authorization` header. */
  method: 'session' | 'basic';
  /** Synchronizer token that the identity's POST forms must carry. */
  csrfToken: string;
}

export type LoginAttempt = { outcome: 'success'; user: AdminUser } | { outcome: 'failure' } | { outcome: 'blocked'; retryAfterSeconds: number };

const BASIC_CHALLENGE = 'Basic realm="EventHex admin", charset="UTF-8"';

/** Reads the identity that the authentication middleware attached to the response. */
export function identityOf(res: Response): AdminIdentity {
  const identity = res.locals['adminIdentity'] as AdminIdentity | undefined;
  if (identity === undefined) throw new Error('Admin route reached without authentication');
  return identity;
}

/** Returns the address the login limiter counts by. The service trusts no proxy headers, so this is the socket peer. */
export function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Finds the user with this username and password. Both fields of every
 * configured user are compared, each with a constant-time comparison of
 * SHA-256 digests, so the time taken does not reveal which field or which
 * user came close.
 */
export function findUser(users: readonly AdminUser[], username: string, password: string): AdminUser | undefined {
  const presentedUsername = sha256(username);
  const presentedPassword = sha256(password);
  let found: AdminUser | undefined;
  for (const user of users) {
    const usernameMatches = timingSafeEqual(presentedUsername, sha256(user.username));
    const passwordMatches = timingSafeEqual(presentedPassword, sha256(user.password));
    if (usernameMatches && passwordMatches) found = user;
  }
  return found;
}

/** Parses `Authorization: Basic base64(user:password)`; undefined when the header is absent or another scheme. */
export function parseBasicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,2048})\s*$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Authenticates admin requests by session cookie or HTTP Basic credentials,
 * and checks form logins. Failed attempts of both kinds count towards the
 * per-address limit.
 */
export class AdminAuthenticator {
  constructor(
    private readonly deps: { users: readonly AdminUser[]; sessions: SessionTokens; csrf: CsrfTokens; limiter: LoginLimiter; logger: Logger },
  ) {}

  /** Checks a username and password from the login form or a Basic header, counting failures per address. */
  attemptLogin(address: string, username: string, password: string): LoginAttempt {
    const retryAfterSeconds = this.deps.limiter.retryAfterSeconds(address);
    if (retryAfterSeconds > 0) return { outcome: 'blocked', retryAfterSeconds };
    // A success does not clear earlier failures; otherwise anyone holding the viewer login
    // could interleave it to keep guessing the admin password.
    const user = findUser(this.deps.users, username, password);
    if (user !== undefined) return { outcome: 'success', user };
    const failures = this.deps.limiter.recordFailure(address);
    // The attempted username and password are not logged: a password typed into the wrong field would leak.
    this.deps.logger.warn('admin login failed', { address, failures });
    return { outcome: 'failure' };
  }

  /** Returns the identity of a valid session cookie, or undefined. */
  sessionIdentity(req: Request): AdminIdentity | undefined {
    const token = readCookie(req, SESSION_COOKIE);
    const user = token === undefined ? undefined : this.deps.sessions.verify(token);
    if (token === undefined || user === undefined) return undefined;
    return { role: user.role, username: user.username, method: 'session', csrfToken: this.deps.csrf.tokenFor(`session\0${token}`) };
  }

  /**
   * Middleware that attaches the identity or rejects the request: a browser
   * page request without credentials is redirected to the login page, any
   * other request gets 401 with a Basic challenge, a blocked address 429.
   */
  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction): void => {
      const session = this.sessionIdentity(req);
      if (session !== undefined) {
        res.locals['adminIdentity'] = session;
        return next();
      }

      const basic = parseBasicCredentials(req.headers.authorization);
      if (basic !== undefined) {
        const attempt = this.attemptLogin(clientAddress(req), basic.username, basic.password);
        if (attempt.outcome === 'success') {
          const { role, username } = attempt.user;
          res.locals['adminIdentity'] = { role, username, method: 'basic', csrfToken: this.deps.csrf.tokenFor(`basic\0${role}\0${username}`) } satisfies AdminIdentity;
          return next();
        }
        if (attempt.outcome === 'blocked') {
          res.set('Retry-After', String(attempt.retryAfterSeconds));
          return sendAdminError(req, res, 429, 'too_many_requests', `Too many failed logins from this address; try again in ${attempt.retryAfterSeconds} s`);
        }
        res.set('WWW-Authenticate', BASIC_CHALLENGE);
        return sendAdminError(req, res, 401, 'unauthorized', 'Invalid username or password');
      }

      const isPageRequest = (req.method === 'GET' || req.method === 'HEAD') && (req.headers.accept ?? '').includes('text/html');
      if (isPageRequest) {
        res.redirect(303, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      res.set('WWW-Authenticate', BASIC_CHALLENGE);
      sendAdminError(req, res, 401, 'unauthorized', 'Log in at /admin/login or send HTTP Basic credentials');
    };
  }
}

/** Middleware that lets only the given role through; others get 403. */
export function requireRole(role: AdminUser['role']): RequestHandler {
  return (req, res, next) => {
    const identity = identityOf(res);
    if (identity.role !== role) return sendAdminError(req, res, 403, 'forbidden', `This action needs the ${role} role; you are logged in as ${identity.role}`, identity);
    next();
  };
}
