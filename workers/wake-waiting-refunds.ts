import type { Job, Queue } from 'bullmq';
import type { Db } from '../src/db/knex.js';
import type { Provider } from '../src/domain/events.js';
import type { Logger } from '../src/logger.js';
import { webhookJobId } from '../src/queues/job-id.js';
import { queueFor } from '../src/queues/routing.js';

interface WaitingRow {
  id: number;
  provider: Provider;
  source_key: string;
  provider_event_id: string;
  type: string;
}

/**
 * Selects the refunds waiting for a payment (`?` are the payment id, the
 * organisation and the limit). The CTE keeps the lookup on the partial index
 * of waiting rows. Given the other conditions too, the planner can prefer the
 * status and organisation indexes, which match every queued row. It did so in
 * the benchmark, whose bulk inserts left the table without statistics.
 */
export const WAITING_REFUNDS_SQL = `WITH waiting AS MATERIALIZED (
  SELECT id, provider, source_key, provider_event_id, type, status, replay_count, organisation_id
  FROM webhook_events WHERE waiting_for_payment_id = ?
)
SELECT id, provider, source_key, provider_event_id, type FROM waiting
WHERE status = 'queued' AND replay_count = 0 AND organisation_id IS NOT DISTINCT FROM ?
LIMIT ?`;

/** Maximum number of waiting refunds woken per payment. A payment rarely has more than a few refunds. */
const WAKE_LIMIT = 50;

/**
 * Runs at once the delayed jobs of refunds that arrived before their payment,
 * once the payment is recorded. Without it such a refund waits out its delay
 * (5 s at first, doubling up to 5 min by default), and the registration shows
 * the payment without the refund until then. The rows are found by the
 * payment id they wait for. Replayed rows are left to their delay, because a
 * replay's job id cannot be derived from the row.
 */
export async function wakeWaitingRefunds(
  deps: { db: Db; refunds: Pick<Queue, 'getJob'>; logger: Logger },
  organisationId: string | null,
  providerPaymentId: string,
): Promise<number> {
  const result = await deps.db.raw<{ rows: WaitingRow[] }>(WAITING_REFUNDS_SQL, [providerPaymentId, organisationId, WAKE_LIMIT]);
  const rows = result.rows;

  let woken = 0;
  for (const row of rows) {
    if (queueFor(row.provider, row.type) !== 'refunds') continue;
    const job = await deps.refunds.getJob(webhookJobId(row.provider, row.source_key, row.provider_event_id));
    if (job === undefined || !(await job.isDelayed())) continue;
    try {
      await job.promote();
      woken += 1;
    } catch (error) {
      // The delay ended or another worker promoted the job first, so it runs anyway.
      deps.logger.debug('waiting refund not promoted', { webhookEventId: row.id, jobId: job.id, error: (error as Error).message });
    }
  }
  if (woken > 0) deps.logger.info('refunds waiting for their payment run now', { providerPaymentId, woken });
  return woken;
}

/**
 * Runs a refund job again at once when its payment was recorded while the job
 * was being delayed. {@link wakeWaitingRefunds} only finds jobs already
 * delayed, so without this check such a refund would wait out its delay.
 */
export async function promoteIfPaymentArrived(
  deps: { db: Db; logger: Logger },
  job: Pick<Job, 'promote'>,
  awaited: { provider: Provider; organisationId: string | null; providerPaymentId: string },
): Promise<void> {
  const { providerPaymentId } = awaited;
  try {
    const query = deps.db('payments').where({ provider: awaited.provider, provider_payment_id: providerPaymentId });
    if (awaited.organisationId !== null) query.where({ organisation_id: awaited.organisationId });
    if ((await query.first('id')) === undefined) return;

    await job.promote();
    deps.logger.info('payment arrived while the refund was delayed; the refund runs now', { providerPaymentId });
  } catch (error) {
    // The payment's wake-up promoted the job first, or the check failed. Either way the delay still bounds the wait.
    deps.logger.debug('refund not promoted after its delay began', { providerPaymentId, error: (error as Error).message });
  }
}
