import { z } from 'zod';
import type { Db } from '../db/knex.js';

export const WEBHOOK_EVENT_STATUSES = ['received', 'queued', 'processing', 'processed', 'ignored', 'failed', 'rejected'] as const;

/** ISO 8601 date (midnight UTC) or date-time with a zone; four-digit years keep it inside PostgreSQL's range. */
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Returns true when the day exists in the calendar, so February 30 does not roll over into March. */
function isCalendarDay(year: number, month: number, day: number): boolean {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Parses a `since` or `until` value, rejecting other formats, impossible dates and values PostgreSQL cannot store. */
export const timestampParam = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  const match = ISO_TIMESTAMP.exec(value);
  const date = new Date(value);
  if (match !== null && !Number.isNaN(date.getTime()) && isCalendarDay(Number(match[1]), Number(match[2]), Number(match[3]))) return date;

  // In a query string an unencoded `+` arrives as a space.
  const hint = / \d{2}:\d{2}$/.test(value) ? '; encode the + of an offset as %2B' : '';
  ctx.addIssue({ code: 'custom', message: `must be an ISO 8601 date or date-time with a time zone, such as 2026-01-31 or 2026-01-31T14:05:00Z; got ${JSON.stringify(raw.slice(0, 40))}${hint}` });
  return z.NEVER;
});

/** Filters of the webhook log shared by the API, bulk replay and the admin page. */
export const webhookEventFilterFields = {
  provider: z.enum(['stripe', 'razorpay']).optional(),
  connection_id: z.string().max(64).optional(),
  event_id: z.string().max(64).optional(),
  type: z.string().trim().min(1).max(255).optional(),
  since: timestampParam.optional(),
  until: timestampParam.optional(),
  q: z.string().trim().min(1).max(255).optional(),
};

export type WebhookEventFilter = {
  provider?: 'stripe' | 'razorpay' | undefined;
  connection_id?: string | undefined;
  event_id?: string | undefined;
  type?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  q?: string | undefined;
  status?: (typeof WEBHOOK_EVENT_STATUSES)[number] | undefined;
};

/** Columns of a log row in lists; the payload is read only for a single row. */
export const WEBHOOK_EVENT_SUMMARY_COLUMNS = [
  'id',
  'organisation_id',
  'provider',
  'source_key',
  'connection_id',
  'event_id',
  'provider_event_id',
  'type',
  'status',
  'delivery_count',
  'attempts',
  'replay_count',
  'last_error',
  'received_at',
  'last_delivered_at',
  'processed_at',
] as const;

/**
 * Applies log filters to a query. `organisationId` null means every
 * organisation (operators only). `q` matches the search keys extracted at
 * ingestion, which the GIN index serves.
 */
export function applyWebhookEventFilter(builder: ReturnType<Db>, organisationId: string | null, filter: WebhookEventFilter): ReturnType<Db> {
  if (organisationId !== null) builder.where({ organisation_id: organisationId });
  if (filter.provider !== undefined) builder.where({ provider: filter.provider });
  if (filter.status !== undefined) builder.where({ status: filter.status });
  if (filter.connection_id !== undefined) builder.where({ connection_id: filter.connection_id });
  if (filter.event_id !== undefined) builder.where({ event_id: filter.event_id });
  if (filter.type !== undefined) builder.where({ type: filter.type });
  if (filter.since !== undefined) builder.where('received_at', '>=', filter.since);
  if (filter.until !== undefined) builder.where('received_at', '<', filter.until);
  if (filter.q !== undefined) builder.whereRaw('search_keys @> ARRAY[?]::text[]', [filter.q.toLowerCase()]);
  return builder;
}
