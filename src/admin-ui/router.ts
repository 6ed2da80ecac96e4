import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Config } from '../config/config.js';
import { isDatabaseUnavailable, type Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import type { QueueBackend } from '../queues/backend.js';
import type { WebhookProducer } from '../queues/producer.js';
import { NotReplayableError, findReplayRow, replayWebhookEvent } from '../webhook-log/replay.js';
import { AdminAuthenticator, identityOf, requireRole } from './auth.js';
import { CsrfTokens, requireCsrfToken, requireSameOrigin } from './csrf.js';
import { loadEventRow, renderEventPage } from './event-page.js';
import { html } from './html.js';
import { STYLESHEET, renderPage, sendAdminError, sendPage } from './layout.js';
import { loadLogRows, loadOrganisationOptions, parseLogQuery, renderLogSection } from './log-page.js';
import { LoginLimiter } from './login-limiter.js';
import { loginRouter } from './login.js';
import { safeAdminPath } from './paths.js';
import { queueBoards } from './queues.js';
import { SessionTokens, clearSessionCookie } from './session.js';
import { loadStatusRows, renderStatusSection } from './status-page.js';

export interface AdminUiDeps {
  config: Pick<Config, 'adminUsers' | 'encryptionKey' | 'publicBaseUrl'> & { receiver: Pick<Config['receiver'], 'enqueueTimeoutMs'> };
  db: Db;
  producer: WebhookProducer;
  backend: Pick<QueueBackend, 'kind'>;
  logger: Logger;
}

const DISABLED_MESSAGE =
  'The operator UI is disabled. Set ADMIN_USERNAME and ADMIN_PASSWORD (full access) or ADMIN_VIEWER_USERNAME and ADMIN_VIEWER_PASSWORD (read-only) and restart the web process.';

/** Body parser for the admin forms, which carry only a token and a return path. */
const adminForm = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });

const WEBHOOK_EVENT_ID = /^\d{1,15}$/;

/**
 * Builds everything under /admin: login, the webhook status and log pages,
 * replay, and Bull Board. With no admin credentials configured every path
 * returns 404 with a message saying how to enable it.
 */
export function adminRouter(deps: AdminUiDeps): Router {
  const router = express.Router();
  const { config, db, logger } = deps;
  if (config.adminUsers.length === 0) {
    router.use((req, res) => sendAdminError(req, res, 404, 'admin_disabled', DISABLED_MESSAGE));
    return router;
  }

  const sessions = new SessionTokens(config.encryptionKey, config.adminUsers);
  const csrf = new CsrfTokens(config.encryptionKey);
  const authenticator = new AdminAuthenticator({ users: config.adminUsers, sessions, csrf, limiter: new LoginLimiter(), logger });
  const secureCookie = config.publicBaseUrl.startsWith('https:');

  router.use((_req, res, next) => {
    res.set('X-Frame-Options', 'DENY');
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'same-origin');
    next();
  });
  router.get('/admin.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=3600').send(STYLESHEET);
  });
  router.use(requireSameOrigin(config.publicBaseUrl));
  router.use(loginRouter({ authenticator, sessions, secureCookie, logger }));
  router.use(authenticator.middleware());

  router.post('/logout', adminForm, requireCsrfToken(), (_req, res) => {
    const identity = identityOf(res);
    clearSessionCookie(res, secureCookie);
    logger.info('admin logged out', { username: identity.username, role: identity.role });
    res.redirect(303, '/admin/login');
  });

  router.use('/queues', queueBoards({ producer: deps.producer, backend: deps.backend, logger }));

  router.get('/', async (req, res) => {
    const identity = identityOf(res);
    const parsed = parseLogQuery(req.query);
    const organisationId = parsed.filter?.organisation_id ?? null;
    const organisations = await loadOrganisationOptions(db, parsed.form.organisation_id);
    const statusRows = await loadStatusRows(db, organisationId);
    const log = parsed.filter === undefined ? { rows: [], nextCursor: undefined } : await loadLogRows(db, parsed.filter);
    const replayed = typeof req.query['replayed'] === 'string' && WEBHOOK_EVENT_ID.test(req.query['replayed']) ? req.query['replayed'] : undefined;

    const body = html`${replayed !== undefined && html`<div class="notice">Webhook event <a href="/admin/webhook-events/${replayed}">${replayed}</a> queued for replay.</div>`}
${renderStatusSection(statusRows)}
${renderLogSection({ parsed, rows: log.rows, nextCursor: log.nextCursor, organisations, identity })}`;
    sendPage(res, parsed.error === undefined ? 200 : 400, renderPage({ title: 'Webhooks', identity, current: 'webhooks', body }));
  });

  router.get('/webhook-events/:id', async (req, res) => {
    const identity = identityOf(res);
    const id = String(req.params['id']);
    const row = WEBHOOK_EVENT_ID.test(id) ? await loadEventRow(db, Number(id)) : undefined;
    if (row === undefined) return sendAdminError(req, res, 404, 'not_found', `Webhook event ${id} not found`, identity);
    const notice = req.query['replayed'] === id ? html`<div class="notice">Queued for replay; reload to follow its status.</div>` : '';
    sendPage(res, 200, renderPage({ title: `Webhook event ${row.id}`, identity, current: 'webhooks', body: html`${notice}${renderEventPage(row, identity)}` }));
  });

  router.post('/webhook-events/:id/replay', requireRole('admin'), adminForm, requireCsrfToken(), async (req, res) => {
    const identity = identityOf(res);
    const id = String(req.params['id']);
    const row = WEBHOOK_EVENT_ID.test(id) ? await findReplayRow(db, null, Number(id)) : undefined;
    if (row === undefined) return sendAdminError(req, res, 404, 'not_found', `Webhook event ${id} not found`, identity);

    let jobId: string;
    try {
      ({ jobId } = await replayWebhookEvent({ db, producer: deps.producer, enqueueTimeoutMs: config.receiver.enqueueTimeoutMs }, row));
    } catch (error) {
      if (error instanceof NotReplayableError) return sendAdminError(req, res, 409, 'not_replayable', error.message, identity);
      throw error;
    }
    logger.info('admin replayed webhook event', { webhookEventId: row.id, jobId, username: identity.username });

    const returnTo = new URL(safeAdminPath((req.body as Record<string, unknown>)['return_to'], `/admin/webhook-events/${row.id}`), 'http://admin.invalid');
    returnTo.searchParams.set('replayed', String(row.id));
    res.redirect(303, `${returnTo.pathname}${returnTo.search}`);
  });

  router.use((req, res) => sendAdminError(req, res, 404, 'not_found', `No admin page ${req.method} ${req.originalUrl.split('?')[0] ?? ''}`, identityOf(res)));
  router.use(adminErrorHandler(logger));
  return router;
}

/** Maps errors to a page or JSON error: body-parser 4xx as sent, an unreachable database as 503, the rest as 500 and logged. */
function adminErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return sendAdminError(req, res, status, status === 413 ? 'payload_too_large' : 'invalid_request', status === 413 ? 'Request body too large' : 'Invalid request body');
    }
    if (isDatabaseUnavailable(error)) {
      res.set('Retry-After', '10');
      return sendAdminError(req, res, 503, 'database_unavailable', 'The database is unavailable; retry later');
    }
    logger.error('admin request failed', { method: req.method, path: req.path, error: error instanceof Error ? error.stack : String(error) });
    sendAdminError(req, res, 500, 'internal_error', 'Internal error; the web process log has the details');
  };
}
