import express, { type Request, type Response, type Router } from 'express';
import type { Config } from '../config/config.js';
import { SecretDecryptionError, type SecretBox } from '../crypto/secret-box.js';
import { isDatabaseUnavailable, type Db } from '../db/knex.js';
import type { Provider } from '../domain/events.js';
import { sendError } from '../http/error-body.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/registry.js';
import { parseProviderJson } from '../providers/parse-json.js';
import { verifyRazorpaySignature } from '../providers/razorpay/verify-signature.js';
import { SignatureVerificationError } from '../providers/signature-error.js';
import { verifyStripeSignature } from '../providers/stripe/verify-signature.js';
import { webhookJobId } from '../queues/job-id.js';
import type { WebhookProducer } from '../queues/producer.js';
import { queueFor } from '../queues/routing.js';
import { InvalidEnvelopeError, parseRazorpayEnvelope, parseStripeEnvelope, type EventEnvelope } from './envelope.js';
import { RejectionLimiter } from './rejection-limiter.js';
import { SourceCache } from './source-cache.js';
import { defaultStripeSource, findRazorpayEventSource, findStripeConnectionSource, type WebhookSource } from './sources.js';
import { recordRejected } from './webhook-log.js';
import { WebhookLogWriter } from './webhook-log-writer.js';

export interface ReceiverDeps {
  config: Pick<Config, 'stripe' | 'receiver'>;
  db: Db;
  box: SecretBox;
  producer: WebhookProducer;
  logger: Logger;
  metrics?: Metrics | undefined;
  now?: () => number;
}

interface Delivery {
  rawBody: Buffer;
  bodyError: (Error & { status?: number; type?: string }) | undefined;
}

/** A body that verified and parsed: its event envelope and its text, decoded once and stored as received. */
interface VerifiedBody {
  envelope: EventEnvelope;
  text: string;
}

/** A 4xx outcome, sent to the provider and stored as a `rejected` row. */
class Rejection {
  constructor(readonly status: number, readonly code: string, readonly message: string) {}

  /** True when the source's secrets may have changed since they were cached, so a fresh lookup could verify the delivery. */
  get mayPassWithFreshSecrets(): boolean {
    return this.code === 'signature_mismatch' || this.code === 'no_secret_configured';
  }
}

/** Source lookup of a route: a database query through the cache, or a fixed value. */
interface SourceLookup {
  load: () => Promise<WebhookSource | undefined>;
  cacheable: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Maximum length of a webhook URL's id as echoed in messages, logs and the webhook log. */
const MAX_SHOWN_ID_LENGTH = 64;

/**
 * Returns a webhook URL's id as it may be shown: unchanged when it is short
 * printable ASCII (every real id is), otherwise cut and with every other
 * character escaped. PostgreSQL text cannot hold NUL, and raw control
 * characters in a log line break the tools that read it.
 */
export function shownId(id: string): string {
  if (id.length <= MAX_SHOWN_ID_LENGTH && /^[\x21-\x7e]*$/.test(id)) return id;
  // Every character outside printable ASCII, such as NUL or a right-to-left override, becomes a \uXXXX escape.
  const escaped = id
    .slice(0, MAX_SHOWN_ID_LENGTH)
    .split('')
    .map((unit) => (/^[\x21-\x7e]$/.test(unit) ? unit : `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`))
    .join('');
  return id.length > MAX_SHOWN_ID_LENGTH ? `${escaped}...` : escaped;
}

/**
 * Builds the webhook routes. They read raw bytes only, because both providers
 * sign the exact body; no JSON parser may run before them.
 */
export function createWebhookRouter(deps: ReceiverDeps): Router {
  const router = express.Router();
  const limiter = new RejectionLimiter(deps.config.receiver.rejectedLogMaxPerMinute);
  const now = deps.now ?? Date.now;
  const sources = new SourceCache();
  const webhookLog = new WebhookLogWriter(deps.db);
  const rawBody = express.raw({ type: () => true, limit: deps.config.receiver.bodyLimitBytes, inflate: false });

  // The body parser's errors (413, aborted, encodings) are kept for the handler, which has the source.
  const readBody = (req: Request, res: Response, next: (error?: unknown) => void) => {
    rawBody(req, res, (error?: unknown) => {
      if (error !== undefined) res.locals['bodyError'] = error;
      next();
    });
  };

  const deliveryOf = (req: Request, res: Response): Delivery => ({
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    bodyError: res.locals['bodyError'] as Delivery['bodyError'],
  });

  router.post('/stripe/:connectionId', readBody, async (req, res) => {
    const connectionId = String(req.params['connectionId']);
    const load = () => findStripeConnectionSource(deps.db, deps.box, connectionId);
    await handle(req, res, 'stripe', { load, cacheable: true }, `connection:${shownId(connectionId)}`);
  });

  router.post('/stripe', readBody, async (req, res) => {
    const load = async () => defaultStripeSource(deps.config.stripe.defaultWebhookSecrets);
    await handle(req, res, 'stripe', { load, cacheable: false }, 'default');
  });

  router.post('/razorpay/:eventId', readBody, async (req, res) => {
    const eventId = String(req.params['eventId']);
    const load = () => findRazorpayEventSource(deps.db, deps.box, eventId);
    await handle(req, res, 'razorpay', { load, cacheable: true }, `event:${shownId(eventId)}`);
  });

  async function handle(
    req: Request,
    res: Response,
    provider: Provider,
    lookup: SourceLookup,
    addressedTo: string,
  ): Promise<void> {
    const startedAt = now();
    res.once('finish', () => deps.metrics?.ingestLatency.observe({ provider }, (now() - startedAt) / 1000));
    const delivery = deliveryOf(req, res);
    const notFound = new Rejection(404, 'not_found', `No ${provider} webhook endpoint ${addressedTo}`);
    try {
      const found = lookup.cacheable ? await sources.get(addressedTo, lookup.load) : { source: await lookup.load(), cached: false };
      let source = found.source;
      if (source === undefined) return await reject(res, provider, undefined, addressedTo, delivery, notFound);
      let outcome = checkDelivery(provider, source, req, delivery);
      if (outcome instanceof Rejection && outcome.mayPassWithFreshSecrets && found.cached) {
        // The secrets may have been rotated since they were cached: check once more with the stored ones.
        source = await sources.reload(addressedTo, lookup.load);
        if (source === undefined) return await reject(res, provider, undefined, addressedTo, delivery, notFound);
        outcome = checkDelivery(provider, source, req, delivery);
      }
      if (outcome instanceof Rejection) return await reject(res, provider, source, addressedTo, delivery, outcome);
      await accept(res, source, outcome.envelope, outcome.text, delivery, startedAt);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        deps.logger.error('webhook not recorded: database unavailable', { provider, source: addressedTo, error: (error as Error).message });
        deps.metrics?.webhooksReceived.inc({ provider, type: 'unknown', outcome: 'unavailable' });
        res.set('Retry-After', '10');
        return sendError(res, 503, 'database_unavailable', 'The webhook could not be recorded; retry later');
      }
      if (error instanceof SecretDecryptionError) {
        // A configuration fault, not the delivery's: the 500 makes the provider retry once the key is put right.
        deps.logger.error('webhook not verified: stored secrets do not decrypt', { provider, source: addressedTo, error: error.message });
        return sendError(res, 500, 'internal_error', 'The webhook could not be verified; retry later');
      }
      deps.logger.error('webhook not recorded: unexpected error', { provider, source: addressedTo, error: (error as Error).stack });
      return sendError(res, 500, 'internal_error', 'The webhook could not be recorded; retry later');
    }
  }

  /** Checks body, signature, encoding, JSON and envelope in that order, after the source is found. */
  function checkDelivery(provider: Provider, source: WebhookSource, req: Request, delivery: Delivery): VerifiedBody | Rejection {
    const { bodyError, rawBody: body } = delivery;
    if (bodyError !== undefined) {
      if (bodyError.type === 'entity.too.large') {
        return new Rejection(413, 'payload_too_large', `Body exceeds the limit of ${deps.config.receiver.bodyLimitBytes} bytes`);
      }
      const status = bodyError.status !== undefined && bodyError.status >= 400 && bodyError.status < 500 ? bodyError.status : 400;
      return new Rejection(status, 'invalid_body', `Body could not be read: ${bodyError.message}`);
    }
    try {
      if (provider === 'stripe') {
        verifyStripeSignature({
          rawBody: body,
          header: headerValue(req, 'stripe-signature'),
          secrets: source.secrets,
          toleranceSeconds: deps.config.stripe.toleranceSeconds,
          nowMs: now(),
        });
      } else {
        verifyRazorpaySignature({ rawBody: body, header: headerValue(req, 'x-razorpay-signature'), secrets: source.secrets });
      }
    } catch (error) {
      if (error instanceof SignatureVerificationError) return new Rejection(400, error.reason, error.message);
      throw error;
    }

    let text: string;
    let json: unknown;
    try {
      text = utf8.decode(body);
      json = parseProviderJson(text);
    } catch {
      return new Rejection(400, 'invalid_json', 'Body is not valid UTF-8 JSON');
    }
    try {
      const envelope = provider === 'stripe' ? parseStripeEnvelope(json) : parseRazorpayEnvelope(json, req.headers);
      return { envelope, text };
    } catch (error) {
      if (error instanceof InvalidEnvelopeError) return new Rejection(400, 'invalid_event', error.message);
      throw error;
    }
  }

  async function accept(res: Response, source: WebhookSource, envelope: EventEnvelope, text: string, delivery: Delivery, startedAt: number): Promise<void> {
    const queue = queueFor(source.provider, envelope.type);
    let ignoredReason: string | null = null;
    if (source.livemode !== null && envelope.livemode !== null && source.livemode !== envelope.livemode) {
      ignoredReason = `Event livemode=${envelope.livemode} does not match the connection's livemode=${source.livemode}`;
    } else if (queue === undefined) {
      ignoredReason = `Event type ${envelope.type} is not handled`;
    }
    const jobId = webhookJobId(source.provider, source.sourceKey, envelope.providerEventId);
    const record = await webhookLog.record({
      source,
      providerEventId: envelope.providerEventId,
      type: envelope.type,
      livemode: envelope.livemode,
      providerCreatedAt: envelope.createdAt,
      payload: text,
      bodyBytes: delivery.rawBody.length,
      status: ignoredReason === null ? 'received' : 'ignored',
      reason: ignoredReason,
      jobId: ignoredReason === null ? jobId : null,
      searchKeys: envelope.searchKeys,
    });

    const log = deps.logger.child({
      webhookEventId: record.id,
      provider: source.provider,
      providerEventId: envelope.providerEventId,
      type: envelope.type,
      source: source.sourceKey,
    });
    let enqueued = false;
    if (queue !== undefined && ignoredReason === null && record.status === 'received') {
      try {
        await deps.producer.enqueue(queue, jobId, { webhookEventId: record.id }, deps.config.receiver.enqueueTimeoutMs);
        await webhookLog.markQueued(record.id).catch((error: unknown) => {
          log.warn('webhook queued but status not updated', { error: (error as Error).message });
        });
        enqueued = true;
      } catch (error) {
        // The row is stored, so the provider still gets 200; the sweeper enqueues it later.
        log.warn('webhook stored but not enqueued; the sweeper will enqueue it', { queue, error: (error as Error).message });
      }
    }
    let outcome = record.inserted ? 'new' : 'duplicate';
    if (ignoredReason !== null) outcome = 'ignored';
    // Only handled types become label values, so junk types cannot grow the series without bound.
    deps.metrics?.webhooksReceived.inc({ provider: source.provider, type: queue === undefined ? 'unhandled' : envelope.type, outcome });
    log.info('webhook received', {
      outcome,
      deliveryCount: record.deliveryCount,
      queue,
      jobId: enqueued ? jobId : undefined,
      durationMs: now() - startedAt,
    });
    let status = record.status;
    if (ignoredReason !== null) status = 'ignored';
    else if (enqueued && record.status === 'received') status = 'queued';
    res.status(200).json({ received: true, webhook_event_id: record.id, duplicate: !record.inserted, status });
  }

  async function reject(
    res: Response,
    provider: Provider,
    source: WebhookSource | undefined,
    addressedTo: string,
    delivery: Delivery,
    rejection: Rejection,
  ): Promise<void> {
    const sourceKey = source?.sourceKey ?? addressedTo.slice(0, 100);
    deps.metrics?.webhooksReceived.inc({ provider, type: 'unknown', outcome: 'rejected' });
    if (limiter.allow(sourceKey)) {
      deps.logger.warn('webhook rejected', { provider, source: sourceKey, status: rejection.status, reason: rejection.code, suppressedSinceLast: limiter.takeSuppressed() });
      try {
        await recordRejected(deps.db, {
          provider,
          sourceKey,
          organisationId: source?.organisationId ?? null,
          connectionId: source?.connectionId ?? null,
          eventId: source?.eventId ?? null,
          reason: `${rejection.code}: ${rejection.message}`,
          bodyBytes: delivery.rawBody.length,
        });
      } catch (error) {
        // The provider still gets the 4xx: a bad delivery stays bad whether or not its log row was written.
        deps.logger.error('rejected webhook not logged', { provider, source: sourceKey, error: (error as Error).message });
      }
    }
    sendError(res, rejection.status, rejection.code, rejection.message);
  }

  return router;
}

function headerValue(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
