import type { Db } from '../db/knex.js';
import { WEBHOOK_EVENT_SUMMARY_COLUMNS } from '../webhook-log/query.js';
import type { AdminIdentity } from './auth.js';
import { html, type SafeHtml } from './html.js';
import { canOfferReplay, renderReplayForm } from './log-page.js';

export interface EventRow {
  id: number;
  organisation_id: string | null;
  organisation_name: string | null;
  provider: string;
  source_key: string;
  connection_id: string | null;
  event_id: string | null;
  provider_event_id: string | null;
  type: string | null;
  livemode: boolean | null;
  status: string;
  delivery_count: number;
  attempts: number;
  replay_count: number;
  replay_batch_id: string | null;
  job_id: string | null;
  body_bytes: number;
  last_error: string | null;
  received_at: Date;
  last_delivered_at: Date;
  processed_at: Date | null;
  updated_at: Date;
  payload: string | null;
}

/** Loads one log row of any organisation with its payload; undefined when the id does not exist. */
export async function loadEventRow(db: Db, id: number): Promise<EventRow | undefined> {
  const row = await db('webhook_events')
    .where({ id })
    .first<Omit<EventRow, 'organisation_name'> | undefined>([...WEBHOOK_EVENT_SUMMARY_COLUMNS, 'livemode', 'body_bytes', 'job_id', 'replay_batch_id', 'updated_at', 'payload']);
  if (row === undefined) return undefined;
  const organisation = row.organisation_id === null ? undefined : await db('organisations').where({ id: row.organisation_id }).first<{ name: string } | undefined>('name');
  return { ...row, organisation_name: organisation?.name ?? null };
}

/** Pretty-prints a stored payload; a body that is not JSON is shown as it is. */
function formatPayload(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}

function missingPayloadReason(row: EventRow): string {
  return row.status === 'rejected' ? 'Rejected deliveries are stored without their body.' : 'The payload was pruned by the retention job.';
}

/** Renders the page of one log row: its fields, a replay button for admins and the pretty-printed payload. */
export function renderEventPage(row: EventRow, identity: AdminIdentity): SafeHtml {
  const path = `/admin/webhook-events/${row.id}`;
  let livemode = '';
  if (row.livemode !== null) livemode = row.livemode ? 'yes' : 'no';
  const fields: [string, unknown][] = [
    ['Status', html`<span class="badge ${row.status}">${row.status}</span>`],
    ['Organisation', row.organisation_id === null ? html`<span class="muted">none</span>` : html`${row.organisation_name ?? ''} <code class="muted">${row.organisation_id}</code>`],
    ['Provider', row.provider],
    ['Type', html`<code>${row.type ?? ''}</code>`],
    ['Provider event id', html`<code>${row.provider_event_id ?? ''}</code>`],
    ['Endpoint', html`<code>${row.source_key}</code>`],
    ['Live mode', livemode],
    ['Received', row.received_at],
    ['Last delivered', row.last_delivered_at],
    ['Processed', row.processed_at ?? html`<span class="muted">not yet</span>`],
    ['Updated', row.updated_at],
    ['Deliveries', row.delivery_count],
    ['Attempts', row.attempts],
    ['Replays', row.replay_count],
    ['Replay batch', row.replay_batch_id ?? ''],
    ['Job id', html`<code>${row.job_id ?? ''}</code>`],
    ['Body size', `${row.body_bytes} bytes`],
    ['Last error', row.last_error ?? ''],
  ];
  return html`<p><a href="/admin">← Webhook log</a></p>
<h1>Webhook event ${row.id}</h1>
<div class="card"><dl class="meta">${fields.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl></div>
${canOfferReplay(identity, { status: row.status, has_payload: row.payload !== null }) && html`<p>${renderReplayForm(row.id, identity, path, 'Replay this event')}</p>`}
<h2>Payload</h2>
${row.payload === null
    ? html`<div class="notice">No payload. ${missingPayloadReason(row)}</div>`
    : html`<div class="card"><pre class="payload">${formatPayload(row.payload)}</pre></div>`}`;
}
