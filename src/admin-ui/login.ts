import express, { type Router } from 'express';
import type { Logger } from '../logger.js';
import { clientAddress, type AdminAuthenticator } from './auth.js';
import { html } from './html.js';
import { renderPage, sendPage } from './layout.js';
import { safeAdminPath } from './paths.js';
import { setSessionCookie, type SessionTokens } from './session.js';

/** Body parser for the login form: two short fields and a return path. */
const loginForm = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

function renderLoginPage(options: { next: string; username?: string; error?: string }): string {
  const body = html`<div class="card login">
  <h1>EventHex operations</h1>
  ${options.error !== undefined && html`<div class="notice error">${options.error}</div>`}
  <form method="post" action="/admin/login">
    <input type="hidden" name="next" value="${options.next}">
    <label>Username <input name="username" autocomplete="username" required value="${options.username ?? ''}"></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
    <button type="submit">Log in</button>
  </form>
</div>`;
  return renderPage({ title: 'Log in', body });
}

/** `GET /admin/login` (the form) and `POST /admin/login` (checks the credentials and sets the session cookie). */
export function loginRouter(deps: { authenticator: AdminAuthenticator; sessions: SessionTokens; secureCookie: boolean; logger: Logger }): Router {
  const router = express.Router();

  router.get('/login', (req, res) => {
    const next = safeAdminPath(req.query['next']);
    if (deps.authenticator.sessionIdentity(req) !== undefined) return res.redirect(303, next);
    sendPage(res, 200, renderLoginPage({ next }));
  });

  router.post('/login', loginForm, (req, res) => {
    const body = req.body as Record<string, unknown>;
    const username = typeof body['username'] === 'string' ? body['username'] : '';
    const password = typeof body['password'] === 'string' ? body['password'] : '';
    const next = safeAdminPath(body['next']);
    const address = clientAddress(req);

    const attempt = deps.authenticator.attemptLogin(address, username, password);
    if (attempt.outcome === 'success') {
      setSessionCookie(res, deps.sessions.issue(attempt.user), deps.secureCookie);
      deps.logger.info('admin logged in', { username: attempt.user.username, role: attempt.user.role, address });
      return res.redirect(303, next);
    }
    if (attempt.outcome === 'blocked') {
      res.set('Retry-After', String(attempt.retryAfterSeconds));
      return sendPage(res, 429, renderLoginPage({ next, username, error: `Too many failed logins from this address; try again in ${attempt.retryAfterSeconds} s` }));
    }
    sendPage(res, 401, renderLoginPage({ next, username, error: 'Invalid username or password' }));
  });

  return router;
}
