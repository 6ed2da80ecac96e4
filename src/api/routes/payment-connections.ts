import express, { type Router } from 'express';
import { z } from 'zod';
import type { StripeEndpointSettings } from '../../config/config.js';
import { newId } from '../../crypto/ids.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/knex.js';
import type { Logger } from '../../logger.js';
import { STRIPE_API_KEY_PATTERN } from '../../providers/stripe/api-key.js';
import { findConnection, presentConnection, stripeWebhookUrl } from '../../stripe-endpoints/connections.js';
import { connectStripeWithKey, presentEndpointChange, recreateEndpoint } from '../../stripe-endpoints/manage.js';
import { readEndpointStatus } from '../../stripe-endpoints/status.js';
import { organisationOf } from '../authenticate.js';
import { validate } from '../validate.js';

/**
 * Either signing secrets of an endpoint the organiser created (`webhook_secrets`
 * with `livemode`), or an API key with which the service creates the endpoint
 * itself (`api_key`, with `livemode` optional and checked against the key).
 */
const createConnectionBody = z
  .object({
    provider: z.literal('stripe'),
    webhook_secrets: z.array(z.string().regex(/^whsec_\S{8,200}$/, 'must be a Stripe signing secret (whsec_...)')).min(1).max(5).optional(),
    api_key: z.string().regex(STRIPE_API_KEY_PATTERN, 'must be a Stripe secret key (sk_...) or restricted key (rk_...)').optional(),
    livemode: z.boolean().optional(),
  })
  .strict()
  .superRefine((body, context) => {
    if (body.webhook_secrets !== undefined && body.api_key !== undefined) {
      context.addIssue({ code: 'custom', path: ['api_key'], message: 'must not be combined with webhook_secrets; send one of the two' });
    } else if (body.webhook_secrets === undefined && body.api_key === undefined) {
      context.addIssue({ code: 'custom', path: ['api_key'], message: 'is required unless webhook_secrets is given' });
    } else if (body.webhook_secrets !== undefined && body.livemode === undefined) {
      context.addIssue({ code: 'custom', path: ['livemode'], message: 'is required with webhook_secrets' });
    }
  });

export function paymentConnectionsRouter(deps: { db: Db; box: SecretBox; publicBaseUrl: string; logger: Logger; stripe: StripeEndpointSettings }): Router {
  const router = express.Router();
  const manager = { db: deps.db, box: deps.box, publicBaseUrl: deps.publicBaseUrl, settings: deps.stripe, logger: deps.logger };

  router.post('/', async (req, res) => {
    const organisationId = organisationOf(res);
    const body = validate(createConnectionBody, req.body);
    if (body.api_key !== undefined) {
      const change = await connectStripeWithKey(manager, { organisationId, apiKey: body.api_key, livemode: body.livemode });
      res.status(201).json(presentEndpointChange(change));
      return;
    }

    const [row] = await deps.db('payment_connections')
      .insert({
        id: newId('pc'),
        organisation_id: organisationId,
        provider: body.provider,
        webhook_secrets: deps.box.sealList(body.webhook_secrets ?? []),
        livemode: body.livemode,
      })
      .returning<{ id: string; provider: string; livemode: boolean; created_at: Date }[]>(['id', 'provider', 'livemode', 'created_at']);
    if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');
    res.status(201).json({
      id: row.id,
      provider: row.provider,
      livemode: row.livemode,
      webhook_url: stripeWebhookUrl(deps.publicBaseUrl, row.id),
      created_at: row.created_at,
    });
  });

  router.get('/:id', async (req, res) => {
    const row = await findConnection(deps.db, String(req.params['id']), organisationOf(res));
    const endpoint = await readEndpointStatus(manager, row);
    res.json({ ...presentConnection(row, deps.publicBaseUrl), stripe_webhook_endpoint: endpoint });
  });

  router.post('/:id/webhook/recreate', async (req, res) => {
    const change = await recreateEndpoint(manager, String(req.params['id']), { organisationId: organisationOf(res) });
    res.json(presentEndpointChange(change));
  });

  return router;
}
