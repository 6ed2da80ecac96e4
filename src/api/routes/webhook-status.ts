import express, { type Router } from 'express';
import type { Db } from '../../db/knex.js';
import { activityBySource, lightFor, type SourceActivity } from '../../webhook-log/status-light.js';
import { organisationOf } from '../authenticate.js';

const NO_ACTIVITY: SourceActivity = {
  lastReceivedAt: null,
  lastProcessedAt: null,
  lastSignatureFailureAt: null,
  failures24h: 0,
  signatureFailures24h: 0,
  processed24h: 0,
};

function present(source: { kind: string; id: string; provider: string; name?: string }, activity: SourceActivity) {
  return {
    ...source,
    status: lightFor(activity),
    last_received_at: activity.lastReceivedAt,
    last_processed_at: activity.lastProcessedAt,
    processed_24h: activity.processed24h,
    failures_24h: activity.failures24h,
    signature_failures_24h: activity.signatureFailures24h,
  };
}

/** `GET /webhook-status`: one light per Stripe connection and per event with a Razorpay secret. */
export function webhookStatusRouter(deps: { db: Db }): Router {
  const router = express.Router();

  router.get('/', async (_req, res) => {
    const organisationId = organisationOf(res);
    const activity = await activityBySource(deps.db, organisationId);
    const connections = await deps.db('payment_connections').where({ organisation_id: organisationId }).orderBy('created_at').select('id', 'provider');
    const events = await deps.db('events')
      .where({ organisation_id: organisationId })
      .whereNotNull('razorpay_webhook_secrets')
      .orderBy('created_at')
      .select('id', 'name');
    const data = [
      ...connections.map((row: { id: string; provider: string }) =>
        present({ kind: 'payment_connection', id: row.id, provider: row.provider }, activity.get(`connection:${row.id}`) ?? NO_ACTIVITY),
      ),
      ...events.map((row: { id: string; name: string }) =>
        present({ kind: 'event', id: row.id, provider: 'razorpay', name: row.name }, activity.get(`event:${row.id}`) ?? NO_ACTIVITY),
      ),
    ];
    res.json({ data });
  });

  return router;
}
