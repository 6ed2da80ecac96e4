import express, { type Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import { ApiError } from '../api-error.js';
import { organisationOf } from '../authenticate.js';
import { validate } from '../validate.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

const listQuery = z.object({
  provider: z.enum(['stripe', 'razorpay']).optional(),
  status: z.enum(['received', 'queued', 'processing', 'processed', 'ignored', 'failed', 'rejected']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
  cursor: z.string().regex(/^\d{1,15}$/, 'must be a next_cursor value from a previous page').optional(),
});

const SUMMARY_COLUMNS = [
  'id',
  'provider',
  'source_key',
  'provider_event_id',
  'type',
  'status',
  'delivery_count',
  'attempts',
  'last_error',
  'received_at',
  'last_delivered_at',
  'processed_at',
] as const;

export function webhookEventsRouter(deps: { db: Db }): Router {
  const router = express.Router();

  router.get('/', async (req, res) => {
    const organisationId = organisationOf(res);
    const query = validate(listQuery, req.query, 'query');
    const rows = await deps.db('webhook_events')
      .where({ organisation_id: organisationId })
      .modify((builder) => {
        if (query.provider !== undefined) builder.where({ provider: query.provider });
        if (query.status !== undefined) builder.where({ status: query.status });
        if (query.cursor !== undefined) builder.where('id', '<', Number(query.cursor));
      })
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .select<Record<string, unknown>[]>(SUMMARY_COLUMNS);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    res.json({ data: page, next_cursor: rows.length > query.limit && last !== undefined ? String(last['id']) : null });
  });

  router.get('/:id', async (req, res) => {
    const organisationId = organisationOf(res);
    const id = String(req.params['id']);
    const row = /^\d{1,15}$/.test(id)
      ? await deps.db('webhook_events')
          .where({ id: Number(id), organisation_id: organisationId })
          .first<Record<string, unknown> | undefined>([...SUMMARY_COLUMNS, 'payload'])
      : undefined;
    if (row === undefined) throw ApiError.notFound('Webhook event', id);
    const payload = typeof row['payload'] === 'string' ? (JSON.parse(row['payload']) as unknown) : null;
    res.json({ ...row, payload });
  });

  return router;
}
