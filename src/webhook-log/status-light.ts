import type { Db } from '../db/knex.js';

/** Traffic-light state of one webhook endpoint, from its recent deliveries. */
export type LightStatus = 'active' | 'degraded' | 'error' | 'inactive';

/** Rejection codes that mean the sender and the service disagree on the secret or the clock. */
const SIGNATURE_FAILURE = '^(missing_signature|malformed_signature|timestamp_outside_tolerance|signature_mismatch|no_secret_configured):';

export interface SourceActivity {
  lastReceivedAt: Date | null;
  lastProcessedAt: Date | null;
  lastSignatureFailureAt: Date | null;
  failures24h: number;
  signatureFailures24h: number;
  processed24h: number;
}

/** Activity of a source that never received anything. */
export const NO_ACTIVITY: SourceActivity = {
  lastReceivedAt: null,
  lastProcessedAt: null,
  lastSignatureFailureAt: null,
  failures24h: 0,
  signatureFailures24h: 0,
  processed24h: 0,
};

/**
 * Decides the light: grey when nothing ever arrived, red when the newest
 * delivery failed verification, amber when processing failed in the last
 * 24 hours, green otherwise.
 */
export function lightFor(activity: SourceActivity): LightStatus {
  if (activity.lastReceivedAt === null && activity.lastSignatureFailureAt === null) return 'inactive';
  if (activity.lastSignatureFailureAt !== null && (activity.lastReceivedAt === null || activity.lastSignatureFailureAt > activity.lastReceivedAt)) {
    return 'error';
  }
  if (activity.failures24h > 0) return 'degraded';
  return 'active';
}

/**
 * Reads the activity of every source of an organisation, keyed by
 * `source_key`. `organisationId` null reads every organisation (operators only).
 */
export async function activityBySource(db: Db, organisationId: string | null): Promise<Map<string, SourceActivity>> {
  const rows = await db('webhook_events')
    .modify((builder) => {
      if (organisationId !== null) builder.where({ organisation_id: organisationId });
    })
    .groupBy('source_key')
    .select<
      {
        source_key: string;
        last_received_at: Date | null;
        last_processed_at: Date | null;
        last_signature_failure_at: Date | null;
        failures_24h: number;
        signature_failures_24h: number;
        processed_24h: number;
      }[]
    >(
      'source_key',
      db.raw("max(received_at) FILTER (WHERE status <> 'rejected') AS last_received_at"),
      db.raw('max(processed_at) AS last_processed_at'),
      db.raw(`max(received_at) FILTER (WHERE status = 'rejected' AND last_error ~ '${SIGNATURE_FAILURE}') AS last_signature_failure_at`),
      db.raw("count(*) FILTER (WHERE status = 'failed' AND received_at > now() - interval '24 hours')::int AS failures_24h"),
      db.raw(
        `count(*) FILTER (WHERE status = 'rejected' AND last_error ~ '${SIGNATURE_FAILURE}' AND received_at > now() - interval '24 hours')::int AS signature_failures_24h`,
      ),
      db.raw("count(*) FILTER (WHERE status = 'processed' AND received_at > now() - interval '24 hours')::int AS processed_24h"),
    );
  return new Map(
    rows.map((row) => [
      row.source_key,
      {
        lastReceivedAt: row.last_received_at,
        lastProcessedAt: row.last_processed_at,
        lastSignatureFailureAt: row.last_signature_failure_at,
        failures24h: row.failures_24h,
        signatureFailures24h: row.signature_failures_24h,
        processed24h: row.processed_24h,
      },
    ]),
  );
}
