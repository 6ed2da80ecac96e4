import express, { type Router } from 'express';
import { z } from 'zod';
import { isPublicId, newId } from '../../crypto/ids.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Db } from '../../db/knex.js';
import { CURRENCY_CODE_MESSAGE, isKnownCurrency, normaliseCurrency } from '../../money/currency.js';
import { RAZORPAY_ROUTES } from '../../queues/routing.js';
import { ApiError } from '../api-error.js';
import { organisationOf } from '../authenticate.js';
import { validate } from '../validate.js';

const createEventBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    currency: z.string().refine(isKnownCurrency, CURRENCY_CODE_MESSAGE),
    razorpay_webhook_secret: z.string().min(8).max(200).optional(),
  })
  .strict();

export interface EventRow {
  id: string;
  name: string;
  currency: string;
  razorpay_webhook_secrets: string | null;
  created_at: Date;
}

/**
 * Builds the API view of an event. Razorpay has no API for merchants to
 * create webhooks, so the organiser enters the URL, the secret and the
 * events listed in `razorpay_webhook_events` in the Razorpay Dashboard.
 */
export function presentEvent(row: EventRow, publicBaseUrl: string) {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    razorpay_webhook_url: `${publicBaseUrl}/webhooks/razorpay/${row.id}`,
    razorpay_webhook_secret_set: row.razorpay_webhook_secrets !== null,
    razorpay_webhook_events: Object.keys(RAZORPAY_ROUTES),
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

  router.get('/:id', async (req, res) => {
    const id = String(req.params['id']);
    const row = isPublicId(id, 'tev')
      ? await deps.db('events')
          .where({ id, organisation_id: organisationOf(res) })
          .first<EventRow | undefined>('id', 'name', 'currency', 'razorpay_webhook_secrets', 'created_at')
      : undefined;
    if (row === undefined) throw ApiError.notFound('Event', id);
    res.json(presentEvent(row, deps.publicBaseUrl));
  });

  return router;
}
