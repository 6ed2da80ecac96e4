import type { DomainEvent } from '../../domain/events.js';
import { parseObject } from '../parse-object.js';
import { entityOf, subscription, type RazorpayEnvelope } from './schemas.js';

/** `subscription.*`: the subscription entity is the new state; the event's `created_at` orders them. */
export function subscriptionChanged(event: RazorpayEnvelope): DomainEvent {
  const parsed = parseObject(subscription, entityOf(event, 'subscription'), 'payload.subscription.entity');
  return {
    kind: 'SubscriptionChanged',
    provider: 'razorpay',
    providerSubscriptionId: parsed.id,
    status: parsed.status,
    plan: parsed.plan_id ?? null,
    customerId: parsed.customer_id ?? null,
    currentPeriodEnd: parsed.current_end ?? null,
    // NOTE: Razorpay's subscription entity has no cancel-at-period-end flag, so this stays false for Razorpay.
    cancelAtPeriodEnd: false,
    eventCreated: event.created_at,
  };
}
