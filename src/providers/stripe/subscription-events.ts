import { MalformedEventError } from '../../errors.js';
import type { DomainEvent } from '../../domain/events.js';
import { parseObject } from '../parse-object.js';
import { idOf, invoice, subscription, type StripeEnvelope } from './schemas.js';

/** `customer.subscription.*`: the subscription object is the new state; `deleted` arrives with status `canceled`. */
export function subscriptionChanged(event: StripeEnvelope): DomainEvent {
  const parsed = parseObject(subscription, event.data.object, 'subscription');
  const firstItem = parsed.items?.data[0];
  return {
    kind: 'SubscriptionChanged',
    provider: 'stripe',
    providerSubscriptionId: parsed.id,
    status: event.type === 'customer.subscription.deleted' ? 'canceled' : parsed.status,
    plan: firstItem?.price?.id ?? firstItem?.plan?.id ?? null,
    customerId: idOf(parsed.customer) ?? null,
    // API 2025-03-31.basil moved the period to each item; older versions keep it on the subscription.
    currentPeriodEnd: firstItem?.current_period_end ?? parsed.current_period_end ?? null,
    cancelAtPeriodEnd: parsed.cancel_at_period_end ?? false,
    eventCreated: event.created,
  };
}

/** `invoice.paid` and `invoice.payment_failed` for subscription invoices; one-off invoices are not tracked. */
export function invoiceChanged(event: StripeEnvelope): DomainEvent | null {
  const parsed = parseObject(invoice, event.data.object, 'invoice');
  const subscriptionId = idOf(parsed.parent?.subscription_details?.subscription) ?? idOf(parsed.subscription);
  if (subscriptionId === undefined) return null;
  if (event.type !== 'invoice.paid' && event.type !== 'invoice.payment_failed') {
    throw new MalformedEventError(`invoice handler received ${event.type}`);
  }
  return {
    kind: 'InvoiceUpdated',
    provider: 'stripe',
    providerSubscriptionId: subscriptionId,
    invoiceId: parsed.id,
    invoiceStatus: event.type === 'invoice.paid' ? 'paid' : 'payment_failed',
    eventCreated: event.created,
  };
}
