import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { identityOf } from './auth.js';
import { sendAdminError } from './layout.js';
import { deriveKey } from './session.js';

/**
 * Synchronizer tokens for the admin forms: HMAC-SHA256 of the session token
 * (or of the Basic-authenticated user) under a key derived from
 * ENCRYPTION_KEY. Another site cannot read the pages, so it cannot learn
 * the token to put in a forged form.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(encryptionKey: Buffer) {
    this.key = deriveKey(encryptionKey, 'admin csrf v1');
  }

  tokenFor(subject: string): string {
    return createHmac('sha256', this.key).update(subject, 'utf8').digest('base64url');
  }
}

/**
 * Rejects, with 403, a state-changing request (anything but GET and HEAD)
 * that a browser marks as coming from another site. `Sec-Fetch-Site`, when
 * sent, must be `same-origin`. `Origin`, when sent, must be this request's
 * own origin or the origin of PUBLIC_BASE_URL (the one a TLS-terminating
 * proxy serves). Clients that send neither header, such as curl with Basic
 * credentials, pass. This guards Bull Board's write API, whose browser code
 * cannot carry a synchronizer token.
 */
export function requireSameOrigin(publicBaseUrl: string): RequestHandler {
  const publicOrigin = new URL(publicBaseUrl).origin;
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();

    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin') {
      return sendAdminError(req, res, 403, 'cross_site_request', `Cross-site request rejected: Sec-Fetch-Site is ${site}, expected same-origin`);
    }
    const origin = req.get('origin');
    const ownOrigin = `${req.protocol}://${req.get('host') ?? ''}`;
    if (origin !== undefined && origin !== ownOrigin && origin !== publicOrigin) {
      return sendAdminError(req, res, 403, 'cross_site_request', `Cross-site request rejected: Origin ${origin} is not ${ownOrigin}`);
    }
    next();
  };
}

/** Rejects, with 403, a form POST whose `csrf_token` field does not match the identity's token. Runs after the body parser and authentication. */
export function requireCsrfToken(): RequestHandler {
  return (req, res, next) => {
    const identity = identityOf(res);
    const body = req.body as Record<string, unknown> | undefined;
    const presented = Buffer.from(typeof body?.['csrf_token'] === 'string' ? body['csrf_token'] : '', 'utf8');
    const expected = Buffer.from(identity.csrfToken, 'utf8');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return sendAdminError(req, res, 403, 'invalid_csrf_token', 'Missing or invalid CSRF token; reload the page and submit the form again', identity);
    }
    next();
  };
}
