import express, { type Router } from 'express';
import { z } from 'zod';
import { newId } from '../../crypto/ids.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/knex.js';
import { organisationOf } from '../authenticate.js';
import { validate } from '../validate.js';

const createConnectionBody = z.object({
  provider: z.literal('stripe'),
  webhook_secrets: z.array(z.string().regex(/^whsec_\S{8,200}$/, 'must be a Stripe signing secret (whsec_...)')).min(1).max(5),
  livemode: z.boolean(),
});

export function paymentConnectionsRouter(deps: { db: Db; box: SecretBox; publicBaseUrl: string }): Router {
  const router = express.Router();

  router.post('/', async (req, res) => {
    const organisationId = organisationOf(res);
    const body = validate(createConnectionBody, req.body);
    const [row] = await deps.db('payment_connections')
      .insert({
        id: newId('pc'),
        organisation_id: organisationId,
        provider: body.provider,
        webhook_secrets: deps.box.sealList(body.webhook_secrets),
        livemode: body.livemode,
      })
      .returning<{ id: string; provider: string; livemode: boolean; created_at: Date }[]>(['id', 'provider', 'livemode', 'created_at']);
    if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');
    res.status(201).json({
      id: row.id,
      provider: row.provider,
      livemode: row.livemode,
      webhook_url: `${deps.publicBaseUrl}/webhooks/stripe/${row.id}`,
      created_at: row.created_at,
    });
  });

  return router;
}
