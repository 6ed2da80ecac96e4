import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Express, RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import type { QueueBackend } from '../queues/backend.js';
import { QUEUE_NAMES } from '../queues/names.js';
import type { WebhookProducer } from '../queues/producer.js';
import { identityOf, type AdminIdentity } from './auth.js';
import { sendAdminError, sendMessagePage } from './layout.js';

export const QUEUES_BASE_PATH = '/admin/queues';

/**
 * Policy for Bull Board: its own scripts and styles only (its React code sets
 * inline styles), no requests to other hosts. This also keeps the browser
 * from fetching the Google Fonts stylesheet the page links to, so the
 * board falls back to system fonts.
 */
const BOARD_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** Builds one Bull Board over the web process's producer queues; `readOnly` hides and refuses every write action. */
function createBoard(producer: WebhookProducer, readOnly: boolean): Express {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUES_BASE_PATH);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(producer.queue(name), { readOnlyMode: readOnly })),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: readOnly ? 'EventHex queues (read-only)' : 'EventHex queues',
        miscLinks: [{ text: 'Webhook log', url: '/admin' }],
        hideDocsLink: true,
      },
    },
  });
  const app = serverAdapter.getRouter() as Express;
  app.disable('x-powered-by');
  return app;
}

/**
 * Serves Bull Board at /admin/queues: a writable board for admins and a
 * read-only one for viewers, both on the same path and chosen per request.
 * Viewers' non-GET requests get 403 here, before the read-only board would
 * return 405. When the boards cannot be built (for example a queue backend
 * that the adapter does not support), every request gets a 503 page with
 * the reason, and the rest of /admin keeps working.
 */
export function queueBoards(deps: { producer: WebhookProducer; backend: Pick<QueueBackend, 'kind'>; logger: Logger }): RequestHandler {
  let boards: Record<AdminIdentity['role'], Express> | undefined;
  let failure = '';
  try {
    boards = { admin: createBoard(deps.producer, false), viewer: createBoard(deps.producer, true) };
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    deps.logger.error('Bull Board could not be created; /admin/queues shows an error page', { queueBackend: deps.backend.kind, error: failure });
  }

  return (req, res, next) => {
    const identity = identityOf(res);
    if (boards === undefined) {
      return sendMessagePage(
        res,
        503,
        'Queues unavailable',
        `Bull Board cannot show the queues with QUEUE_BACKEND=${deps.backend.kind}: ${failure}. The webhook log at /admin still works.`,
        identity,
      );
    }
    if (identity.role !== 'admin' && req.method !== 'GET' && req.method !== 'HEAD') {
      return sendAdminError(req, res, 403, 'forbidden', 'Viewers cannot change queues; log in as the admin user', identity);
    }

    // Runs the board's own Express app as Express does for a mounted sub-app, restoring the
    // request and response prototypes when the board passes the request on.
    const board = boards[identity.role];
    res.set('Content-Security-Policy', BOARD_CONTENT_SECURITY_POLICY);
    const requestPrototype = Object.getPrototypeOf(req) as object;
    const responsePrototype = Object.getPrototypeOf(res) as object;
    (board as unknown as { handle: (req: unknown, res: unknown, done: (error?: unknown) => void) => void }).handle(req, res, (error?: unknown) => {
      Object.setPrototypeOf(req, requestPrototype);
      Object.setPrototypeOf(res, responsePrototype);
      next(error);
    });
  };
}
