import express, { type Router } from 'express';
import { z } from 'zod';
import { newId } from '../../crypto/ids.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/knex.js';
import { normaliseCurrency } from '../../money/currency.js';
import { organisationOf } from '../authenticate.js';
import { validate } from '../validate.js';

const createEventBody = z.object({
  name: z.string().trim().min(1).max(200),
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO 4217 code'),
  razorpay_webhook_secret: z.string().min(8).max(200).optional(),
});

export interface EventRow {
  id: string;
  name: string;
  currency: string;
  razorpay_webhook_secrets: string | null;
  created_at: Date;
}

export function presentEvent(row: EventRow, publicBaseUrl: string) {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    razorpay_webhook_url: `${publicBaseUrl}/webhooks/razorpay/${row.id}`,
    razorpay_webhook_secret_set: row.razorpay_webhook_secrets !== null,
    created_at: row.created_at,
  };
}

export function eventsRouter(deps: { db: Db; box: SecretBox; publicBaseUrl: string }): Router {
  const router = express.Router();

  router.post('/', async (req, res) => {
    const organisationId = organisationOf(res);
    const body = validate(createEventBody, req.body);
    const [row] = await deps.db('events')
      .insert({
        id: newId('tev'),
        organisation_id: organisationId,
        name: body.name,
        currency: normaliseCurrency(body.currency),
        razorpay_webhook_secrets: body.razorpay_webhook_secret === undefined ? null : deps.box.sealList([body.razorpay_webhook_secret]),
      })
      .returning<EventRow[]>(['id', 'name', 'currency', 'razorpay_webhook_secrets', 'created_at']);
    res.status(201).json(presentEvent(row as EventRow, deps.publicBaseUrl));
  });

  return router;
}
