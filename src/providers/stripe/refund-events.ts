import { MalformedEventError } from '../../errors.js';
import { normaliseCurrency } from '../../money/currency.js';
import type { DomainEvent, RefundStatus, RefundUpdated } from '../../domain/events.js';
import { parseObject } from '../parse-object.js';
import { charge, idOf, refund, type StripeEnvelope } from './schemas.js';

/** Maps Stripe's refund statuses; `requires_action` is still in flight. */
function refundStatus(status: string | null | undefined): RefundStatus {
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'canceled';
    default:
      return 'pending';
  }
}

function toRefundUpdated(value: unknown, eventCreated: number, forcedStatus?: RefundStatus): RefundUpdated {
  const parsed = parseObject(refund, value, 'refund');
  const providerPaymentId = idOf(parsed.payment_intent);
  if (providerPaymentId === undefined) {
    throw new MalformedEventError(`refund ${parsed.id} has no payment_intent, so it cannot be matched to a payment`);
  }
  return {
    kind: 'RefundUpdated',
    provider: 'stripe',
    providerRefundId: parsed.id,
    providerPaymentId,
    amount: parsed.amount,
    currency: normaliseCurrency(parsed.currency),
    status: forcedStatus ?? refundStatus(parsed.status),
    eventCreated,
  };
}

/** `refund.created`, `refund.updated`, `charge.refund.updated`: the refund object carries its own status. */
export function refundChanged(event: StripeEnvelope): DomainEvent {
  return toRefundUpdated(event.data.object, event.created);
}

/** `refund.failed`: failed whatever the status field contains. */
export function refundFailed(event: StripeEnvelope): DomainEvent {
  return toRefundUpdated(event.data.object, event.created, 'failed');
}

/** `charge.refunded`: carries the cumulative total, and the refund list only on older API versions. */
export function chargeRefunded(event: StripeEnvelope): DomainEvent {
  const parsed = parseObject(charge, event.data.object, 'charge');
  const providerPaymentId = idOf(parsed.payment_intent);
  if (providerPaymentId === undefined) {
    throw new MalformedEventError(`charge ${parsed.id} has no payment_intent, so it cannot be matched to a payment`);
  }
  const refunds = (parsed.refunds?.data ?? []).map((item) => {
    const { kind: _kind, ...rest } = toRefundUpdated({ ...item, payment_intent: idOf(item.payment_intent) ?? providerPaymentId }, event.created);
    return rest;
  });
  return {
    kind: 'ChargeRefunded',
    provider: 'stripe',
    providerPaymentId,
    amountRefunded: parsed.amount_refunded,
    currency: normaliseCurrency(parsed.currency),
    eventCreated: event.created,
    refunds,
  };
}
