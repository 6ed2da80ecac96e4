import express, { type Router } from 'express';
import type { StripeEndpointSettings } from '../../config/config.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/knex.js';
import type { Logger } from '../../logger.js';
import { endpointIsBroken, readEndpointStatus, type EndpointStatus } from '../../stripe-endpoints/status.js';
import { EndpointStatusCache } from '../../stripe-endpoints/status-cache.js';
import { activityBySource, lightFor, type SourceActivity } from '../../webhook-log/status-light.js';
import { organisationOf } from '../authenticate.js';

interface ConnectionStatusRow {
  id: string;
  provider: string;
  stripe_api_key: string | null;
  stripe_webhook_endpoint_id: string | null;
}

const NO_ACTIVITY: SourceActivity = {
  lastReceivedAt: null,
  lastProcessedAt: null,
  lastSignatureFailureAt: null,
  failures24h: 0,
  signatureFailures24h: 0,
  processed24h: 0,
};

function present(source: { kind: string; id: string; provider: string; name?: string }, activity: SourceActivity, endpoint?: EndpointStatus | null) {
  return {
    ...source,
    // A disabled or deleted Stripe endpoint delivers nothing, whatever the last deliveries looked like.
    status: endpointIsBroken(endpoint ?? null) ? 'error' : lightFor(activity),
    ...(endpoint === undefined ? {} : { stripe_webhook_endpoint: endpoint === null ? null : { id: endpoint.id, status: endpoint.status } }),
    last_received_at: activity.lastReceivedAt,
    last_processed_at: activity.lastProcessedAt,
    processed_24h: activity.processed24h,
    failures_24h: activity.failures24h,
    signature_failures_24h: activity.signatureFailures24h,
  };
}

/**
 * `GET /webhook-status`: one light per Stripe connection and per event with a
 * Razorpay secret. Connections with a service-created endpoint also carry
 * Stripe's status of it, read in parallel within `statusTimeoutMs` and
 * reused for `statusCacheMs`.
 */
export function webhookStatusRouter(deps: { db: Db; box: SecretBox; logger: Logger; stripe: StripeEndpointSettings }): Router {
  const router = express.Router();
  const endpointStatuses = new EndpointStatusCache(deps.stripe.statusCacheMs);

  router.get('/', async (_req, res) => {
    const organisationId = organisationOf(res);
    const activity = await activityBySource(deps.db, organisationId);
    const connections = await deps.db('payment_connections')
      .where({ organisation_id: organisationId })
      .orderBy('created_at')
      .select<ConnectionStatusRow[]>('id', 'provider', 'stripe_api_key', 'stripe_webhook_endpoint_id');
    const endpoints = await Promise.all(
      connections.map((row) =>
        endpointStatuses.read(`${row.id}:${row.stripe_webhook_endpoint_id ?? ''}`, () => readEndpointStatus({ box: deps.box, settings: deps.stripe, logger: deps.logger }, row)),
      ),
    );
    const events = await deps.db('events')
      .where({ organisation_id: organisationId })
      .whereNotNull('razorpay_webhook_secrets')
      .orderBy('created_at')
      .select('id', 'name');
    const data = [
      ...connections.map((row, index) =>
        present({ kind: 'payment_connection', id: row.id, provider: row.provider }, activity.get(`connection:${row.id}`) ?? NO_ACTIVITY, endpoints[index] ?? null),
      ),
      ...events.map((row: { id: string; name: string }) =>
        present({ kind: 'event', id: row.id, provider: 'razorpay', name: row.name }, activity.get(`event:${row.id}`) ?? NO_ACTIVITY),
      ),
    ];
    res.json({ data });
  });

  return router;
}
