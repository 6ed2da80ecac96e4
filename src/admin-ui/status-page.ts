import type { Db } from '../db/knex.js';
import { NO_ACTIVITY, activityBySource, lightFor, type LightStatus, type SourceActivity } from '../webhook-log/status-light.js';
import { html, type SafeHtml } from './html.js';
import { pathWithQuery } from './paths.js';

/** One webhook endpoint with its light: a Stripe payment connection or an event with a Razorpay secret. */
export interface StatusRow {
  kind: 'payment_connection' | 'event';
  id: string;
  label: string;
  organisationId: string;
  organisationName: string;
  activity: SourceActivity;
  light: LightStatus;
}

const LIGHTS: readonly LightStatus[] = ['error', 'degraded', 'active', 'inactive'];

const LIGHT_MEANINGS: Record<LightStatus, string> = {
  active: 'Recent deliveries were verified and processed',
  degraded: 'Processing failed in the last 24 hours',
  error: 'The newest delivery failed signature verification',
  inactive: 'Nothing has arrived yet',
};

/** Loads every endpoint of one organisation, or of all when `organisationId` is null, worst light first. */
export async function loadStatusRows(db: Db, organisationId: string | null): Promise<StatusRow[]> {
  const activity = await activityBySource(db, organisationId);
  const connections = await db('payment_connections as c')
    .join('organisations as o', 'o.id', 'c.organisation_id')
    .modify((builder) => {
      if (organisationId !== null) builder.where('c.organisation_id', organisationId);
    })
    .select<{ id: string; provider: string; livemode: boolean; organisation_id: string; organisation_name: string }[]>(
      'c.id',
      'c.provider',
      'c.livemode',
      'o.id as organisation_id',
      'o.name as organisation_name',
    );
  const events = await db('events as e')
    .join('organisations as o', 'o.id', 'e.organisation_id')
    .whereNotNull('e.razorpay_webhook_secrets')
    .modify((builder) => {
      if (organisationId !== null) builder.where('e.organisation_id', organisationId);
    })
    .select<{ id: string; name: string; organisation_id: string; organisation_name: string }[]>('e.id', 'e.name', 'o.id as organisation_id', 'o.name as organisation_name');

  const rows: StatusRow[] = [
    ...connections.map((row) => ({
      kind: 'payment_connection' as const,
      id: row.id,
      label: `Stripe connection (${row.livemode ? 'live' : 'test'} mode)`,
      organisationId: row.organisation_id,
      organisationName: row.organisation_name,
      activity: activity.get(`connection:${row.id}`) ?? NO_ACTIVITY,
    })),
    ...events.map((row) => ({
      kind: 'event' as const,
      id: row.id,
      label: `Razorpay event ${row.name}`,
      organisationId: row.organisation_id,
      organisationName: row.organisation_name,
      activity: activity.get(`event:${row.id}`) ?? NO_ACTIVITY,
    })),
  ].map((row) => ({ ...row, light: lightFor(row.activity) }));

  return rows.sort(
    (a, b) => LIGHTS.indexOf(a.light) - LIGHTS.indexOf(b.light) || a.organisationName.localeCompare(b.organisationName) || a.id.localeCompare(b.id),
  );
}

/** Renders the status section of /admin: a count per light, then one table row per endpoint. */
export function renderStatusSection(rows: readonly StatusRow[]): SafeHtml {
  const counts = LIGHTS.map((light) => html`<span class="light ${light}">${rows.filter((row) => row.light === light).length} ${light}</span>`);
  const body =
    rows.length === 0
      ? html`<tr><td colspan="9" class="empty">No Stripe connections or events with a Razorpay secret yet</td></tr>`
      : rows.map(
          (row) => html`<tr>
  <td><span class="light ${row.light}" title="${LIGHT_MEANINGS[row.light]}">${row.light}</span></td>
  <td>${row.organisationName}<br><code class="muted">${row.organisationId}</code></td>
  <td>${row.label}<br><code class="muted">${row.id}</code></td>
  <td class="nowrap">${row.activity.lastReceivedAt ?? html`<span class="muted">never</span>`}</td>
  <td class="nowrap">${row.activity.lastProcessedAt ?? html`<span class="muted">never</span>`}</td>
  <td class="num">${row.activity.processed24h}</td>
  <td class="num">${row.activity.failures24h}</td>
  <td class="num">${row.activity.signatureFailures24h}</td>
  <td><a href="${pathWithQuery('/admin', row.kind === 'event' ? { event_id: row.id } : { connection_id: row.id })}">log</a></td>
</tr>`,
        );
  return html`<h2>Webhook endpoints <small>status over the last 24 hours</small></h2>
<div class="summary">${counts}</div>
<div class="card"><table>
<thead><tr><th>Status</th><th>Organisation</th><th>Endpoint</th><th>Last received</th><th>Last processed</th><th class="num">Processed 24 h</th><th class="num">Failed 24 h</th><th class="num">Bad signatures 24 h</th><th></th></tr></thead>
<tbody>${body}</tbody>
</table></div>`;
}
