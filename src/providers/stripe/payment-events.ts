import { normaliseCurrency } from '../../money/currency.js';
import type { DomainEvent } from '../../domain/events.js';
import { parseObject } from '../parse-object.js';
import { checkoutSession, idOf, paymentIntent, type StripeEnvelope } from './schemas.js';

function registrationIdFrom(metadata: Record<string, string | null> | null | undefined): string | undefined {
  return metadata?.['registration_id'] ?? undefined;
}

export function paymentIntentSucceeded(event: StripeEnvelope): DomainEvent {
  const intent = parseObject(paymentIntent, event.data.object, 'payment_intent');
  return {
    kind: 'PaymentSucceeded',
    provider: 'stripe',
    providerPaymentId: intent.id,
    registrationId: registrationIdFrom(intent.metadata),
    amount: intent.amount_received ?? intent.amount,
    currency: normaliseCurrency(intent.currency),
  };
}

export function paymentIntentFailed(event: StripeEnvelope): DomainEvent {
  const intent = parseObject(paymentIntent, event.data.object, 'payment_intent');
  const error = intent.last_payment_error;
  return {
    kind: 'PaymentFailed',
    provider: 'stripe',
    providerPaymentId: intent.id,
    registrationId: registrationIdFrom(intent.metadata),
    amount: intent.amount,
    currency: normaliseCurrency(intent.currency),
    failureCode: error?.decline_code ?? error?.code ?? null,
    failureMessage: error?.message ?? null,
  };
}

/**
 * Checkout Session events. `checkout.session.completed` fulfils only when
 * `payment_status` is `paid`; an unpaid completion (bank debits, vouchers)
 * records a pending payment and waits for `async_payment_succeeded` or `_failed`.
 */
function checkoutSessionEvent(event: StripeEnvelope, outcome: 'completed' | 'succeeded' | 'failed'): DomainEvent {
  const session = parseObject(checkoutSession, event.data.object, 'checkout.session');
  const link = {
    provider: 'stripe' as const,
    // A session without a PaymentIntent (for example a free order) is tracked under its own id.
    providerPaymentId: idOf(session.payment_intent) ?? session.id,
    registrationId: registrationIdFrom(session.metadata) ?? session.client_reference_id ?? undefined,
    amount: session.amount_total ?? 0,
    currency: normaliseCurrency(session.currency ?? ''),
  };
  if (outcome === 'failed') return { kind: 'PaymentFailed', ...link, failureCode: 'async_payment_failed', failureMessage: 'Delayed payment failed' };
  if (outcome === 'succeeded' || session.payment_status === 'paid' || session.payment_status === 'no_payment_required') {
    return { kind: 'PaymentSucceeded', ...link };
  }
  return { kind: 'PaymentPending', ...link };
}

export const checkoutSessionCompleted = (event: StripeEnvelope) => checkoutSessionEvent(event, 'completed');
export const checkoutSessionAsyncSucceeded = (event: StripeEnvelope) => checkoutSessionEvent(event, 'succeeded');
export const checkoutSessionAsyncFailed = (event: StripeEnvelope) => checkoutSessionEvent(event, 'failed');
