import express, { type Router } from 'express';
import { z } from 'zod';
import { isPublicId, newId } from '../../crypto/ids.js';
import type { Db } from '../../db/knex.js';
import type { WebhookProducer } from '../../queues/producer.js';
import { NotReplayableError, findReplayRow, replayWebhookEvent } from '../../webhook-log/replay.js';
import { WEBHOOK_EVENT_STATUSES, WEBHOOK_EVENT_SUMMARY_COLUMNS, applyWebhookEventFilter, webhookEventFilterFields } from '../../webhook-log/query.js';
import { ApiError } from '../api-error.js';
import { organisationOf } from '../authenticate.js';
import { validate } from '../validate.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
/** Rows one bulk replay may select; a larger backlog is replayed in several batches. */
const MAX_BATCH = 10_000;

const listQuery = z.object({
  ...webhookEventFilterFields,
  status: z.enum(WEBHOOK_EVENT_STATUSES).optional(),
  limit: z
    .string()
    .refine((text) => /^\d{1,3}$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_LIMIT, `must be a whole number from 1 to ${MAX_LIMIT}`)
    .transform(Number)
    .default(DEFAULT_LIMIT),
  cursor: z.string().regex(/^\d{1,15}$/, 'must be a next_cursor value from a previous page').optional(),
}).strict();

const replayFilter = z.object(webhookEventFilterFields).strict();

const SUMMARY_COLUMNS = WEBHOOK_EVENT_SUMMARY_COLUMNS.filter((column) => column !== 'organisation_id');

export function webhookEventsRouter(deps: { db: Db; producer: WebhookProducer; enqueueTimeoutMs: number }): Router {
  const router = express.Router();

  router.get('/', async (req, res) => {
    const organisationId = organisationOf(res);
    const query = validate(listQuery, req.query, 'query');
    const rows = await applyWebhookEventFilter(deps.db('webhook_events'), organisationId, query)
      .modify((builder) => {
        if (query.cursor !== undefined) builder.where('id', '<', Number(query.cursor));
      })
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .select<Record<string, unknown>[]>(SUMMARY_COLUMNS);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    res.json({ data: page, next_cursor: rows.length > query.limit && last !== undefined ? String(last['id']) : null });
  });

  router.post('/replay', async (req, res) => {
    const organisationId = organisationOf(res);
    const filter = validate(replayFilter, req.body);
    const rows = await applyWebhookEventFilter(deps.db('webhook_events'), organisationId, { ...filter, status: 'failed' })
      .orderBy('id')
      .limit(MAX_BATCH + 1)
      .select('id', 'provider', 'source_key', 'provider_event_id', 'type', 'status', 'payload');
    if (rows.length > MAX_BATCH) throw new ApiError(422, 'batch_too_large', `More than ${MAX_BATCH} failed events match; narrow the filter with since/until`);

    const batchId = newId('rpb');
    await deps.db('replay_batches').insert({ id: batchId, organisation_id: organisationId, filter: JSON.stringify(filter), total: rows.length });
    const skipped: { id: number; reason: string }[] = [];
    for (const row of rows) {
      try {
        await replayWebhookEvent(deps, row, batchId);
      } catch (error) {
        if (!(error instanceof NotReplayableError)) throw error;
        skipped.push({ id: row.id, reason: error.message });
      }
    }
    res.status(202).json({ id: batchId, total: rows.length, queued: rows.length - skipped.length, skipped });
  });

  router.get('/replay-batches/:batchId', async (req, res) => {
    const organisationId = organisationOf(res);
    const batchId = String(req.params['batchId']);
    const batch = isPublicId(batchId, 'rpb')
      ? await deps.db('replay_batches').where({ id: batchId, organisation_id: organisationId }).first('id', 'filter', 'total', 'created_at')
      : undefined;
    if (batch === undefined) throw ApiError.notFound('Replay batch', batchId);
    const counts = await deps.db('webhook_events')
      .where({ replay_batch_id: batchId })
      .groupBy('status')
      .select<{ status: string; count: number }[]>('status', deps.db.raw('count(*)::int AS count'));
    const byStatus = Object.fromEntries(counts.map((row) => [row.status, row.count]));
    const processed = byStatus['processed'] ?? 0;
    const failed = byStatus['failed'] ?? 0;
    res.json({ ...batch, processed, failed, pending: batch.total - processed - failed, done: processed + failed >= batch.total });
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

  router.post('/:id/replay', async (req, res) => {
    const organisationId = organisationOf(res);
    const id = String(req.params['id']);
    const row = /^\d{1,15}$/.test(id) ? await findReplayRow(deps.db, organisationId, Number(id)) : undefined;
    if (row === undefined) throw ApiError.notFound('Webhook event', id);
    try {
      const { jobId } = await replayWebhookEvent(deps, row);
      res.status(202).json({ id: row.id, status: 'queued', job_id: jobId });
    } catch (error) {
      if (error instanceof NotReplayableError) throw new ApiError(409, 'not_replayable', error.message);
      throw error;
    }
  });

  return router;
}
