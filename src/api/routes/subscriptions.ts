import express, { type Router } from 'express';
import type { Db } from '../../db/knex.js';
import { ApiError } from '../api-error.js';
import { organisationOf } from '../authenticate.js';

export function subscriptionsRouter(deps: { db: Db }): Router {
  const router = express.Router();

  router.get('/:provider/:providerSubscriptionId', async (req, res) => {
    const organisationId = organisationOf(res);
    const provider = String(req.params['provider']);
    const providerSubscriptionId = String(req.params['providerSubscriptionId']);
    if (provider !== 'stripe' && provider !== 'razorpay') throw new ApiError(400, 'invalid_request', `Unknown provider ${provider}; expected stripe or razorpay`);
    // Postgres text cannot store NUL, so no stored id contains one, and a query with it would fail as a 500.
    if (providerSubscriptionId.includes('\u0000')) throw ApiError.notFound('Subscription', providerSubscriptionId);
    const row = await deps.db('subscriptions')
      .where({ provider, provider_subscription_id: providerSubscriptionId, organisation_id: organisationId })
      .first<
        | { provider: string; provider_subscription_id: string; status: string | null; plan: string | null; current_period_end: Date | null; cancel_at_period_end: boolean; latest_invoice_status: string | null; updated_at: Date }
        | undefined
      >();
    if (row === undefined) throw ApiError.notFound('Subscription', providerSubscriptionId);
    res.json({
      provider: row.provider,
      provider_subscription_id: row.provider_subscription_id,
      status: row.status,
      plan: row.plan,
      current_period_end: row.current_period_end,
      cancel_at_period_end: row.cancel_at_period_end,
      latest_invoice_status: row.latest_invoice_status,
      updated_at: row.updated_at,
    });
  });

  return router;
}
