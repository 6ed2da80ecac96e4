import type { Db } from '../src/db/knex.js';
import type { Logger } from '../src/logger.js';

/** Events in the last hour below which a failure rate is too noisy to warn about. */
const MIN_EVENTS_FOR_RATE = 5;

export interface WebhookHealthWarning {
  source: string;
  organisationId: string | null;
  kind: 'quiet' | 'failing';
  detail: string;
}

/**
 * Logs a warning per webhook source that went quiet after it was active
 * (deliveries in the last 7 days, none for `quietAfterMs`) or whose share of
 * failed deliveries in the last hour is above `failureRate`. The same figures
 * are exposed as metrics by the web process, so an alert can fire on either.
 */
export async function checkWebhookHealth(deps: { db: Db; logger: Logger; quietAfterMs: number; failureRate: number }): Promise<WebhookHealthWarning[]> {
  const rows = await deps.db('webhook_events')
    .where('received_at', '>', deps.db.raw("now() - interval '7 days'"))
    .groupBy('source_key', 'organisation_id')
    .select<{ source_key: string; organisation_id: string | null; last_received_at: Date | null; failed_hour: number; total_hour: number }[]>(
      'source_key',
      'organisation_id',
      deps.db.raw("max(received_at) FILTER (WHERE status <> 'rejected') AS last_received_at"),
      deps.db.raw("count(*) FILTER (WHERE status IN ('failed', 'rejected') AND received_at > now() - interval '1 hour')::int AS failed_hour"),
      deps.db.raw("count(*) FILTER (WHERE received_at > now() - interval '1 hour')::int AS total_hour"),
    );

  const warnings: WebhookHealthWarning[] = [];
  for (const row of rows) {
    const quietForMs = row.last_received_at === null ? null : Date.now() - new Date(row.last_received_at).getTime();
    if (quietForMs !== null && quietForMs > deps.quietAfterMs) {
      warnings.push({ source: row.source_key, organisationId: row.organisation_id, kind: 'quiet', detail: `no delivery for ${Math.round(quietForMs / 60_000)} minutes` });
    }
    if (row.total_hour >= MIN_EVENTS_FOR_RATE && row.failed_hour / row.total_hour > deps.failureRate) {
      warnings.push({ source: row.source_key, organisationId: row.organisation_id, kind: 'failing', detail: `${row.failed_hour} of ${row.total_hour} deliveries failed in the last hour` });
    }
  }
  for (const warning of warnings) {
    deps.logger.warn(warning.kind === 'quiet' ? 'webhook source went quiet' : 'webhook source failure rate is high', {
      source: warning.source,
      organisationId: warning.organisationId,
      detail: warning.detail,
    });
  }
  return warnings;
}
