import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { StripeEndpointSettings } from '../config/config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { isDatabaseUnavailable, type Db } from '../db/knex.js';
import { sendError } from '../http/error-body.js';
import type { Logger } from '../logger.js';
import type { WebhookProducer } from '../queues/producer.js';
import { ApiError } from './api-error.js';
import { authenticate } from './authenticate.js';
import { rejectNulCharacters } from './reject-nul.js';
import { eventsRouter } from './routes/events.js';
import { paymentConnectionsRouter } from './routes/payment-connections.js';
import { registrationsRouter } from './routes/registrations.js';
import { subscriptionsRouter } from './routes/subscriptions.js';
import { webhookEventsRouter } from './routes/webhook-events.js';
import { webhookStatusRouter } from './routes/webhook-status.js';

/** Largest JSON body the API reads. */
const API_BODY_LIMIT = '100kb';

/** Builds `/api/v1`: JSON in and out, every route behind an API key. */
export function apiRouter(deps: {
  db: Db;
  box: SecretBox;
  publicBaseUrl: string;
  logger: Logger;
  producer: WebhookProducer;
  enqueueTimeoutMs: number;
  stripe: StripeEndpointSettings;
}): Router {
  const router = express.Router();
  // Authentication first, so a client without a valid key gets 401 whatever its body contains.
  router.use(authenticate(deps.db));
  router.use(express.json({ limit: API_BODY_LIMIT }));
  router.use(rejectNulCharacters);
  router.use('/events', eventsRouter(deps));
  router.use('/payment-connections', paymentConnectionsRouter(deps));
  router.use('/', registrationsRouter(deps));
  router.use('/subscriptions', subscriptionsRouter(deps));
  router.use('/webhook-events', webhookEventsRouter(deps));
  router.use('/webhook-status', webhookStatusRouter(deps));
  router.use((req: Request, res: Response) => sendError(res, 404, 'not_found', `No route ${req.method} ${req.baseUrl}${req.path}`));
  router.use(apiErrorHandler(deps.logger));
  return router;
}

/** Maps thrown errors to the error shape: API errors as they are, body-parser 4xx as invalid requests, the rest as 503 or 500. */
export function apiErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof ApiError) {
      res.set(error.headers);
      return sendError(res, error.status, error.code, error.message);
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      if (status === 413) return sendError(res, 413, 'payload_too_large', `Request body exceeds the ${API_BODY_LIMIT} limit`);
      return sendError(res, status, 'invalid_request', status === 400 ? 'Request body is not valid JSON' : (error as Error).message);
    }
    if (isDatabaseUnavailable(error)) {
      res.set('Retry-After', '10');
      return sendError(res, 503, 'database_unavailable', 'The database is unavailable; retry later');
    }
    logger.error('API request failed', { method: req.method, path: req.path, error: error instanceof Error ? error.stack : String(error) });
    sendError(res, 500, 'internal_error', 'Internal error');
  };
}
