import { normaliseCurrency } from '../../money/currency.js';
import type { DomainEvent } from '../../domain/events.js';
import { parseObject } from '../parse-object.js';
import { entityOf, order, payment, registrationIdFromNotes, type RazorpayEnvelope } from './schemas.js';

/**
 * `payment.captured` and `order.paid`. Both carry the payment entity, so both
 * resolve to the same payment id and are recorded as one payment.
 */
export function paymentCaptured(event: RazorpayEnvelope): DomainEvent {
  const captured = parseObject(payment, entityOf(event, 'payment'), 'payload.payment.entity');
  const orderEntity = event.payload['order'] === undefined ? undefined : parseObject(order, entityOf(event, 'order'), 'payload.order.entity');
  return {
    kind: 'PaymentSucceeded',
    provider: 'razorpay',
    providerPaymentId: captured.id,
    providerOrderId: captured.order_id ?? orderEntity?.id ?? undefined,
    registrationId: registrationIdFromNotes(captured.notes) ?? registrationIdFromNotes(orderEntity?.notes),
    amount: captured.amount,
    currency: normaliseCurrency(captured.currency),
  };
}

export function paymentFailed(event: RazorpayEnvelope): DomainEvent {
  const failed = parseObject(payment, entityOf(event, 'payment'), 'payload.payment.entity');
  return {
    kind: 'PaymentFailed',
    provider: 'razorpay',
    providerPaymentId: failed.id,
    providerOrderId: failed.order_id ?? undefined,
    registrationId: registrationIdFromNotes(failed.notes),
    amount: failed.amount,
    currency: normaliseCurrency(failed.currency),
    failureCode: failed.error_reason ?? failed.error_code ?? null,
    failureMessage: failed.error_description ?? null,
  };
}
