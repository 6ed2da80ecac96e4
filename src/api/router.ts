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
  router.use(rejectUnknownQuery);
  router.use(requireJsonBody);
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

/** Routes that read a query string. Every other route takes none, so a parameter there is a mistake. */
const ROUTES_WITH_QUERY = /^\/webhook-events\/?$/;

/** Rejects a query parameter on a route that reads none, so a misplaced filter is not silently ignored. */
function rejectUnknownQuery(req: Request, _res: Response, next: NextFunction): void {
  const names = Object.keys(req.query as Record<string, unknown>);
  if (names.length > 0 && !(req.method === 'GET' && ROUTES_WITH_QUERY.test(req.path))) {
    return next(new ApiError(400, 'invalid_request', `Unknown query field ${names.join(', ')}`));
  }
  next();
}

/** Rejects a body of another type, which `express.json` would skip, leaving every field missing. */
function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (hasBody && req.is('application/json') === false) {
    return next(new ApiError(415, 'unsupported_media_type', `Request body must be JSON sent with Content-Type: application/json, not ${req.headers['content-type'] ?? 'no Content-Type'}`));
  }
  next();
}

/** body-parser and router errors carry a status and, from body-parser, a `type`. */
type HttpLayerError = Error & { status: number; type?: string };

/**
 * Describes a 4xx raised before a route ran: a path that is not valid
 * percent-encoding (the router decodes parameters) or a body that could
 * not be read, decompressed or parsed.
 */
function describeClientError(error: HttpLayerError): { status: number; code: string; message: string } {
  if (error.status === 413) return { status: 413, code: 'payload_too_large', message: `Request body exceeds the ${API_BODY_LIMIT} limit` };
  if (error instanceof URIError) return { status: 400, code: 'invalid_path', message: 'Request path is not valid percent-encoding' };
  switch (error.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'invalid_json', message: 'Request body is not valid JSON; send a JSON object' };
    case 'encoding.unsupported':
      return { status: 415, code: 'unsupported_encoding', message: 'Content-Encoding is not supported; send the body uncompressed or as gzip, deflate or br' };
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_charset', message: 'Content-Type charset is not supported; send UTF-8' };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, code: 'invalid_body', message: 'Request body was cut short or does not match Content-Length' };
    default:
      if (error.status === 400) return { status: 400, code: 'invalid_body', message: 'Request body could not be read; check Content-Encoding' };
      return { status: error.status, code: 'invalid_request', message: error.message };
  }
}

/** Maps thrown errors to the error shape: API errors as they are, parser and router 4xx described, the rest as 503 or 500. */
export function apiErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof ApiError) {
      res.set(error.headers);
      return sendError(res, error.status, error.code, error.message);
    }
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const described = describeClientError(error as HttpLayerError);
      return sendError(res, described.status, described.code, described.message);
    }
    if (isDatabaseUnavailable(error)) {
      res.set('Retry-After', '10');
      return sendError(res, 503, 'database_unavailable', 'The database is unavailable; retry later');
    }
    logger.error('API request failed', { method: req.method, path: req.path, error: error instanceof Error ? error.stack : String(error) });
    sendError(res, 500, 'internal_error', 'Internal error');
  };
}
