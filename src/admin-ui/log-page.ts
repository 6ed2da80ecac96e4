import type { Request } from 'express';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { WEBHOOK_EVENT_STATUSES, WEBHOOK_EVENT_SUMMARY_COLUMNS, applyWebhookEventFilter, webhookEventFilterFields } from '../webhook-log/query.js';
import { REPLAYABLE_STATUSES } from '../webhook-log/replay.js';
import type { AdminIdentity } from './auth.js';
import { html, type SafeHtml } from './html.js';
import { pathWithQuery } from './paths.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
/** Organisations offered in the filter's drop-down, alphabetically; a chosen organisation outside them is still listed. */
const MAX_ORGANISATION_OPTIONS = 1000;

/** Query parameters of the log, in the order links carry them. */
const FILTER_KEYS = ['organisation_id', 'provider', 'status', 'type', 'q', 'since', 'until', 'connection_id', 'event_id', 'limit'] as const;

const logQuery = z.object({
  ...webhookEventFilterFields,
  organisation_id: z.string().regex(/^org_[0-9A-Za-z]{1,60}$/, 'must be an organisation id such as org_01JF...').optional(),
  status: z.enum(WEBHOOK_EVENT_STATUSES).optional(),
  cursor: z.string().regex(/^\d{1,15}$/, 'must be the id from an "Older" link').optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT),
});

export type LogQuery = z.infer<typeof logQuery>;

/** The filter as typed into the form (to fill it in again), and either the parsed filter or why it is invalid. */
export interface ParsedLogQuery {
  form: Partial<Record<(typeof FILTER_KEYS)[number] | 'cursor', string>>;
  filter: LogQuery | undefined;
  error: string | undefined;
}

/** A `datetime-local` input sends `2026-01-31T14:05` with no zone; the page labels these fields UTC. */
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** Reads the log filter from a query string. Empty form fields count as unset; a repeated parameter uses its first value. */
export function parseLogQuery(query: Request['query']): ParsedLogQuery {
  const form: ParsedLogQuery['form'] = {};
  for (const key of [...FILTER_KEYS, 'cursor'] as const) {
    const raw = query[key];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (typeof value === 'string' && value.trim() !== '') form[key] = value.trim();
  }
  const input: Record<string, string> = { ...form };
  for (const key of ['since', 'until'] as const) {
    const value = input[key];
    if (value !== undefined && LOCAL_DATE_TIME.test(value)) input[key] = `${value}Z`;
  }
  const parsed = logQuery.safeParse(input);
  if (parsed.success) {
    // Shown in UTC in the form's datetime-local fields, which accept no other format.
    if (parsed.data.since !== undefined) form.since = parsed.data.since.toISOString().slice(0, 19);
    if (parsed.data.until !== undefined) form.until = parsed.data.until.toISOString().slice(0, 19);
    return { form, filter: parsed.data, error: undefined };
  }
  const error = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  return { form, filter: undefined, error };
}

export interface LogRow {
  id: number;
  organisation_id: string | null;
  organisation_name: string | null;
  provider: string;
  type: string | null;
  status: string;
  provider_event_id: string | null;
  delivery_count: number;
  attempts: number;
  replay_count: number;
  last_error: string | null;
  received_at: Date;
  has_payload: boolean;
}

/** Loads one page of the log, newest first, across organisations unless the filter names one. */
export async function loadLogRows(db: Db, filter: LogQuery): Promise<{ rows: LogRow[]; nextCursor: string | undefined }> {
  const rows = await applyWebhookEventFilter(db('webhook_events'), filter.organisation_id ?? null, filter)
    .modify((builder) => {
      if (filter.cursor !== undefined) builder.where('id', '<', Number(filter.cursor));
    })
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .select<Omit<LogRow, 'organisation_name'>[]>([...WEBHOOK_EVENT_SUMMARY_COLUMNS, db.raw('payload IS NOT NULL AS has_payload')]);
  const page = rows.slice(0, filter.limit);

  const organisationIds = [...new Set(page.map((row) => row.organisation_id).filter((id) => id !== null))];
  const names = new Map<string, string>();
  if (organisationIds.length > 0) {
    const organisations = await db('organisations').whereIn('id', organisationIds).select<{ id: string; name: string }[]>('id', 'name');
    for (const organisation of organisations) names.set(organisation.id, organisation.name);
  }

  const last = page[page.length - 1];
  return {
    rows: page.map((row) => ({ ...row, organisation_name: row.organisation_id === null ? null : (names.get(row.organisation_id) ?? null) })),
    nextCursor: rows.length > filter.limit && last !== undefined ? String(last.id) : undefined,
  };
}

/** Loads the organisations for the filter drop-down, making sure the chosen one is among them. */
export async function loadOrganisationOptions(db: Db, chosen: string | undefined): Promise<{ id: string; name: string }[]> {
  const organisations = await db('organisations').orderBy('name').orderBy('id').limit(MAX_ORGANISATION_OPTIONS).select<{ id: string; name: string }[]>('id', 'name');
  if (chosen !== undefined && !organisations.some((organisation) => organisation.id === chosen)) {
    const extra = await db('organisations').where({ id: chosen }).first<{ id: string; name: string } | undefined>('id', 'name');
    if (extra !== undefined) organisations.unshift(extra);
  }
  return organisations;
}

/** Builds the log path for the current filter; `cursor` selects the page. */
export function logPath(form: ParsedLogQuery['form'], cursor?: string): string {
  const params: Record<string, string | undefined> = {};
  for (const key of FILTER_KEYS) params[key] = form[key];
  params['cursor'] = cursor;
  return pathWithQuery('/admin', params);
}

/** Renders a replay button: a POST form with the synchronizer token and the page to return to. */
export function renderReplayForm(id: number, identity: AdminIdentity, returnTo: string, label = 'Replay'): SafeHtml {
  return html`<form method="post" action="/admin/webhook-events/${id}/replay" class="inline">
<input type="hidden" name="csrf_token" value="${identity.csrfToken}">
<input type="hidden" name="return_to" value="${returnTo}">
<button type="submit">${label}</button>
</form>`;
}

/** Decides whether the page offers a replay button for a row. The replay itself checks again and explains a rejection. */
export function canOfferReplay(identity: AdminIdentity, row: { status: string; has_payload: boolean }): boolean {
  return identity.role === 'admin' && row.has_payload && (REPLAYABLE_STATUSES as readonly string[]).includes(row.status);
}

function renderFilterForm(form: ParsedLogQuery['form'], organisations: readonly { id: string; name: string }[]): SafeHtml {
  const option = (value: string, label: string, selected: string | undefined) => html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
  const endpoint = form.connection_id ?? form.event_id;
  return html`<form method="get" action="/admin" class="card filters">
  <label>Organisation
    <select name="organisation_id">
      ${option('', 'All organisations', form.organisation_id)}
      ${organisations.map((organisation) => option(organisation.id, organisation.name, form.organisation_id))}
    </select>
  </label>
  <label>Provider
    <select name="provider">${option('', 'Any', form.provider)}${option('stripe', 'Stripe', form.provider)}${option('razorpay', 'Razorpay', form.provider)}</select>
  </label>
  <label>Status
    <select name="status">${option('', 'Any', form.status)}${WEBHOOK_EVENT_STATUSES.map((status) => option(status, status, form.status))}</select>
  </label>
  <label>Type <input name="type" value="${form.type ?? ''}" placeholder="payment_intent.succeeded"></label>
  <label>Search <input name="q" type="search" value="${form.q ?? ''}" placeholder="payment, order or customer id, email"></label>
  <label>Since (UTC) <input name="since" type="datetime-local" step="1" value="${form.since ?? ''}"></label>
  <label>Until (UTC) <input name="until" type="datetime-local" step="1" value="${form.until ?? ''}"></label>
  ${form.connection_id !== undefined && html`<input type="hidden" name="connection_id" value="${form.connection_id}">`}
  ${form.event_id !== undefined && html`<input type="hidden" name="event_id" value="${form.event_id}">`}
  ${form.limit !== undefined && html`<input type="hidden" name="limit" value="${form.limit}">`}
  <button type="submit">Filter</button>
  <a class="button secondary" href="/admin">Reset</a>
  ${endpoint !== undefined && html`<span class="muted">Endpoint <code>${endpoint}</code> only (<a href="${logPath({ ...form, connection_id: undefined, event_id: undefined })}">show all</a>)</span>`}
</form>`;
}

function renderRow(row: LogRow, identity: AdminIdentity, returnTo: string): SafeHtml {
  return html`<tr>
  <td class="num"><a href="/admin/webhook-events/${row.id}">${row.id}</a></td>
  <td class="nowrap">${row.received_at}</td>
  <td>${row.organisation_name ?? html`<span class="muted">none</span>`}</td>
  <td>${row.provider}</td>
  <td><code>${row.type ?? ''}</code></td>
  <td><span class="badge ${row.status}">${row.status}</span></td>
  <td class="num nowrap" title="${row.delivery_count} deliveries, ${row.attempts} attempts, ${row.replay_count} replays">${row.delivery_count} / ${row.attempts} / ${row.replay_count}</td>
  <td><code>${row.provider_event_id ?? ''}</code></td>
  <td><div class="last-error" title="${row.last_error ?? ''}">${row.last_error ?? ''}</div></td>
  <td>${canOfferReplay(identity, row) && renderReplayForm(row.id, identity, returnTo)}</td>
</tr>`;
}

/** Renders the log section of /admin: filter form, one page of rows and the pager. */
export function renderLogSection(options: {
  parsed: ParsedLogQuery;
  rows: readonly LogRow[];
  nextCursor: string | undefined;
  organisations: readonly { id: string; name: string }[];
  identity: AdminIdentity;
}): SafeHtml {
  const { parsed, rows, identity } = options;
  const returnTo = logPath(parsed.form, parsed.form.cursor);
  const body =
    rows.length === 0
      ? html`<tr><td colspan="10" class="empty">${parsed.error === undefined ? 'No webhook events match this filter' : 'Fix the filter to see events'}</td></tr>`
      : rows.map((row) => renderRow(row, identity, returnTo));
  return html`<h2>Webhook log <small>newest first</small></h2>
${renderFilterForm(parsed.form, options.organisations)}
${parsed.error !== undefined && html`<div class="notice error">Invalid filter: ${parsed.error}</div>`}
<div class="card"><table>
<thead><tr><th class="num">ID</th><th>Received</th><th>Organisation</th><th>Provider</th><th>Type</th><th>Status</th><th class="num counts">Deliveries / attempts / replays</th><th>Provider event</th><th>Last error</th><th></th></tr></thead>
<tbody>${body}</tbody>
</table></div>
<div class="pager">
  ${parsed.form.cursor !== undefined && html`<a class="button secondary" href="${logPath(parsed.form)}">Newest</a>`}
  ${options.nextCursor !== undefined && html`<a class="button secondary" href="${logPath(parsed.form, options.nextCursor)}">Older</a>`}
</div>`;
}
