import express, { type Router } from 'express';
import type { Db } from '../db/knex.js';
import { pendingMigrations } from '../db/migrate.js';
import type { QueueBackend } from '../queues/backend.js';

/** Age of the oldest waiting webhook event after which workers count as not keeping up, in milliseconds. */
const STALE_WORK_MS = 5 * 60 * 1000;
const CHECK_TIMEOUT_MS = 2000;

interface Check {
  ok: boolean;
  detail: string;
}

async function withTimeout(check: Promise<Check>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no reply within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz` (the process is alive) and `/readyz` (Postgres and the queue
 * store reply, migrations are current, Redis evicts nothing, and waiting
 * webhook events are being picked up). Each check is one cheap query.
 */
export function healthRouter(deps: { db: Db; backend: QueueBackend }): Router {
  const router = express.Router();
  let migrationsCurrent = false;

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const database = withTimeout(deps.db.raw('SELECT 1').then(() => ({ ok: true, detail: 'ok' }), (error: Error) => ({ ok: false, detail: error.message })));
    const migrations = migrationsCurrent
      ? Promise.resolve({ ok: true, detail: 'current' })
      : withTimeout(
          pendingMigrations(deps.db).then(
            (pending) => {
              // Migrations change only with a deploy, so once current they are not read again.
              migrationsCurrent = pending.length === 0;
              return { ok: migrationsCurrent, detail: migrationsCurrent ? 'current' : `pending: ${pending.join(', ')}` };
            },
            (error: Error) => ({ ok: false, detail: error.message }),
          ),
        );
    const queue = withTimeout(deps.backend.check());
    const workers = withTimeout(
      deps.db('webhook_events')
        .whereIn('status', ['received', 'queued'])
        .min<{ oldest: Date | null }>({ oldest: 'updated_at' })
        .first()
        .then(
          (row) => {
            const ageMs = row?.oldest === null || row?.oldest === undefined ? 0 : Date.now() - new Date(row.oldest).getTime();
            return ageMs > STALE_WORK_MS
              ? { ok: false, detail: `oldest waiting webhook event is ${Math.round(ageMs / 1000)} s old; are workers running?` }
              : { ok: true, detail: 'keeping up' };
          },
          (error: Error) => ({ ok: false, detail: error.message }),
        ),
    );
    const checks = { database: await database, migrations: await migrations, queue: await queue, workers: await workers };
    const ok = Object.values(checks).every((check) => check.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks });
  });

  return router;
}
