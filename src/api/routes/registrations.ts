import express, { type Router } from 'express';
import { z } from 'zod';
import { isPublicId, newId } from '../../crypto/ids.js';
import { isUniqueViolation, type Db } from '../../db/knex.js';
import { deriveRegistrationState } from '../../domain/registration-state.js';
import type { Logger } from '../../logger.js';
import { CURRENCY_CODE_MESSAGE, isKnownCurrency, normaliseCurrency } from '../../money/currency.js';
import type { WebhookProducer } from '../../queues/producer.js';
import { applyWebhookEventFilter } from '../../webhook-log/query.js';
import { replayWebhookEvent, type ReplayRow } from '../../webhook-log/replay.js';
import { ApiError } from '../api-error.js';
import { organisationOf } from '../authenticate.js';
import { validate } from '../validate.js';

const createRegistrationBody = z
  .object({
    email: z.email().max(320),
    name: z.string().trim().min(1).max(200),
    amount_due: z.number().int('must be an integer amount in the minor unit').nonnegative().max(Number.MAX_SAFE_INTEGER),
    currency: z.string().refine(isKnownCurrency, CURRENCY_CODE_MESSAGE).optional(),
    provider_payment_id: z.string().trim().min(1).max(255).optional(),
  })
  .strict();

interface RegistrationRow {
  id: string;
  event_id: string;
  email: string;
  name: string;
  status: string;
  amount_due: number;
  amount_paid: number;
  amount_refunded: number;
  currency: string;
  provider_payment_id: string | null;
  created_at: Date;
  updated_at: Date;
}

async function presentRegistration(db: Db, row: RegistrationRow) {
  const payments = await db('payments')
    .where({ registration_id: row.id })
    .orderBy('id')
    .select('provider', 'provider_payment_id', 'status', 'amount', 'amount_refunded', 'currency');
  return {
    id: row.id,
    event_id: row.event_id,
    email: row.email,
    name: row.name,
    status: row.status,
    amount_due: row.amount_due,
    amount_paid: row.amount_paid,
    amount_refunded: row.amount_refunded,
    currency: row.currency,
    provider_payment_id: row.provider_payment_id,
    payments,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/**
 * Replays payment events that failed because this registration did not exist
 * yet, so a payment that outran its registration still confirms it. Failures
 * are logged, not returned: the registration itself was created.
 */
async function replayFailedPaymentsFor(
  deps: { db: Db; producer: WebhookProducer; enqueueTimeoutMs: number; logger: Logger },
  organisationId: string,
  providerPaymentId: string,
): Promise<void> {
  const rows = await applyWebhookEventFilter(deps.db('webhook_events'), organisationId, { status: 'failed', q: providerPaymentId })
    .where('last_error', 'like', 'registration_not_found:%')
    .limit(100)
    .select<ReplayRow[]>('id', 'provider', 'source_key', 'provider_event_id', 'type', 'status', 'payload');
  for (const row of rows) {
    try {
      await replayWebhookEvent(deps, row);
      deps.logger.info('replayed a payment that arrived before its registration', { webhookEventId: row.id, providerPaymentId });
    } catch (error) {
      deps.logger.warn('could not replay a payment for a new registration', { webhookEventId: row.id, error: (error as Error).message });
    }
  }
}

/**
 * Builds the 409 for a payment id that another registration of the
 * organisation has, because a payment must find one registration only.
 */
async function providerPaymentIdTaken(db: Db, organisationId: string, providerPaymentId: string): Promise<ApiError> {
  const holder = await db('registrations').where({ organisation_id: organisationId, provider_payment_id: providerPaymentId }).first<{ id: string } | undefined>('id');
  return new ApiError(409, 'provider_payment_id_taken', `provider_payment_id ${providerPaymentId} already belongs to registration ${holder?.id ?? '(deleted since)'}`);
}

export function registrationsRouter(deps: { db: Db; producer: WebhookProducer; enqueueTimeoutMs: number; logger: Logger }): Router {
  const router = express.Router();

  router.post('/events/:eventId/registrations', async (req, res) => {
    const organisationId = organisationOf(res);
    const eventId = String(req.params['eventId']);
    const body = validate(createRegistrationBody, req.body);
    const event = isPublicId(eventId, 'tev')
      ? await deps.db('events').where({ id: eventId, organisation_id: organisationId }).first<{ id: string; currency: string } | undefined>('id', 'currency')
      : undefined;
    if (event === undefined) throw ApiError.notFound('Event', eventId);
    const currency = body.currency === undefined ? event.currency : normaliseCurrency(body.currency);
    // Payments in another currency count as nothing paid, so a mismatch would leave the registration unpaid forever.
    if (currency !== event.currency) {
      throw new ApiError(400, 'invalid_request', `Invalid body field currency: ${currency} does not match the event's currency ${event.currency}; omit it to use the event's`);
    }
    const [row] = await deps.db('registrations')
      .insert({
        id: newId('reg'),
        organisation_id: organisationId,
        event_id: eventId,
        email: body.email,
        name: body.name,
        amount_due: body.amount_due,
        currency,
        // Without payments the state depends on the amount due alone, so a free registration starts confirmed.
        status: deriveRegistrationState({ status: 'pending_payment', amountDue: body.amount_due, currency }, []).status,
        provider_payment_id: body.provider_payment_id ?? null,
      })
      .returning<RegistrationRow[]>('*')
      .catch(async (error: unknown) => {
        // The unique index on (organisation_id, provider_payment_id) also settles two requests that race.
        if (isUniqueViolation(error) && body.provider_payment_id !== undefined) throw await providerPaymentIdTaken(deps.db, organisationId, body.provider_payment_id);
        throw error;
      });
    if (body.provider_payment_id !== undefined) await replayFailedPaymentsFor(deps, organisationId, body.provider_payment_id);
    res.status(201).json(await presentRegistration(deps.db, row as RegistrationRow));
  });

  router.get('/registrations/:id', async (req, res) => {
    const organisationId = organisationOf(res);
    const id = String(req.params['id']);
    const row = isPublicId(id, 'reg')
      ? await deps.db('registrations').where({ id, organisation_id: organisationId }).first<RegistrationRow | undefined>()
      : undefined;
    if (row === undefined) throw ApiError.notFound('Registration', id);
    res.json(await presentRegistration(deps.db, row));
  });

  return router;
}
