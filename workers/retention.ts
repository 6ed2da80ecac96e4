import type { Db } from '../src/db/knex.js';
import type { Logger } from '../src/logger.js';

/** Rows pruned per statement, so one run never holds a long lock on the log. */
const PRUNE_BATCH = 5000;

/**
 * Drops stored payloads past their retention: `processed` and `ignored` rows
 * after `processedDays`, `failed` rows after the longer `failedDays` so they
 * stay replayable. Metadata and search keys stay. Rows still in flight are
 * never pruned.
 */
export async function pruneWebhookPayloads(deps: { db: Db; logger: Logger; processedDays: number; failedDays: number }): Promise<number> {
  let pruned = 0;
  for (const [statuses, days] of [
    [['processed', 'ignored'], deps.processedDays],
    [['failed'], deps.failedDays],
  ] as const) {
    for (;;) {
      const result = await deps.db.raw<{ rowCount: number }>(
        `UPDATE webhook_events SET payload = NULL, updated_at = now()
         WHERE id IN (
           SELECT id FROM webhook_events
           WHERE payload IS NOT NULL AND status = ANY(?) AND received_at < now() - make_interval(days => ?)
           LIMIT ${PRUNE_BATCH})`,
        [[...statuses], days],
      );
      pruned += result.rowCount;
      if (result.rowCount < PRUNE_BATCH) break;
    }
  }
  if (pruned > 0) deps.logger.info('pruned webhook payloads', { pruned, processedDays: deps.processedDays, failedDays: deps.failedDays });
  return pruned;
}
