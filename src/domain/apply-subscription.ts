import type { InvoiceUpdated, Provider, SubscriptionChanged } from './events.js';
import type { ApplyContext } from './scope.js';

/** Statuses after which only a strictly newer event may change the subscription. */
const TERMINAL_STATUSES = new Set(['canceled', 'cancelled', 'completed', 'expired', 'incomplete_expired']);

interface SubscriptionRow {
  id: number;
  status: string | null;
  last_event_created: number;
  last_invoice_event_created: number;
}

/** Inserts an empty row when none exists, then locks it, so concurrent first events do not race on the insert. */
async function lockSubscription(ctx: ApplyContext, provider: Provider, providerSubscriptionId: string): Promise<SubscriptionRow> {
  const { trx } = ctx;
  await trx.raw(
    `INSERT INTO subscriptions (organisation_id, provider, provider_subscription_id)
     VALUES (?, ?, ?)
     ON CONFLICT (provider, provider_subscription_id, (coalesce(organisation_id, ''))) DO NOTHING`,
    [ctx.organisationId, provider, providerSubscriptionId],
  );
  return trx('subscriptions')
    .where({ provider, provider_subscription_id: providerSubscriptionId })
    .andWhereRaw("coalesce(organisation_id, '') = ?", [ctx.organisationId ?? ''])
    .forUpdate()
    .first<SubscriptionRow>('id', 'status', 'last_event_created', 'last_invoice_event_created');
}

/** Decides whether an event is newer than what the row shows, with a reason for the log. */
export function shouldApplySubscriptionEvent(current: { status: string | null; lastEventCreated: number }, incoming: { status: string; eventCreated: number }): boolean {
  // Older than the last applied event: stale, change nothing.
  if (incoming.eventCreated < current.lastEventCreated) return false;
  if (incoming.eventCreated > current.lastEventCreated) return true;
  // Same second: a terminal status wins over a non-terminal one, whichever arrived first.
  return !(current.status !== null && TERMINAL_STATUSES.has(current.status) && !TERMINAL_STATUSES.has(incoming.status));
}

/** Applies a subscription change unless it is older than the last one applied. Returns whether it changed the row. */
export async function applySubscriptionEvent(ctx: ApplyContext, event: SubscriptionChanged): Promise<boolean> {
  const row = await lockSubscription(ctx, event.provider, event.providerSubscriptionId);
  if (!shouldApplySubscriptionEvent({ status: row.status, lastEventCreated: row.last_event_created }, event)) return false;
  await ctx.trx('subscriptions')
    .where({ id: row.id })
    .update({
      status: event.status,
      plan: event.plan,
      customer_id: event.customerId,
      current_period_end: event.currentPeriodEnd === null ? null : new Date(event.currentPeriodEnd * 1000),
      cancel_at_period_end: event.cancelAtPeriodEnd,
      last_event_created: event.eventCreated,
      updated_at: ctx.trx.fn.now(),
    });
  return true;
}

/** Records the newest invoice outcome of a subscription; the status is left to subscription events. */
export async function applyInvoiceEvent(ctx: ApplyContext, event: InvoiceUpdated): Promise<boolean> {
  const row = await lockSubscription(ctx, event.provider, event.providerSubscriptionId);
  if (event.eventCreated < row.last_invoice_event_created) return false;
  await ctx.trx('subscriptions')
    .where({ id: row.id })
    .update({
      latest_invoice_id: event.invoiceId,
      latest_invoice_status: event.invoiceStatus,
      last_invoice_event_created: event.eventCreated,
      updated_at: ctx.trx.fn.now(),
    });
  return true;
}
