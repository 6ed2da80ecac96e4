import { normaliseCurrency } from '../../money/currency.js';
import type { DomainEvent, RefundStatus } from '../../domain/events.js';
import { parseObject } from '../parse-object.js';
import { entityOf, refund, type RazorpayEnvelope } from './schemas.js';

/** The refund status each Razorpay refund event asserts. */
const STATUS_BY_EVENT: Record<string, RefundStatus> = {
  'refund.created': 'pending',
  'refund.processed': 'succeeded',
  'refund.failed': 'failed',
};

export function refundChanged(event: RazorpayEnvelope): DomainEvent {
  const parsed = parseObject(refund, entityOf(event, 'refund'), 'payload.refund.entity');
  // An instant refund can already be `processed` in its `refund.created` event.
  const status = parsed.status === 'processed' ? 'succeeded' : (STATUS_BY_EVENT[event.event] ?? 'pending');
  return {
    kind: 'RefundUpdated',
    provider: 'razorpay',
    providerRefundId: parsed.id,
    providerPaymentId: parsed.payment_id,
    amount: parsed.amount,
    currency: normaliseCurrency(parsed.currency),
    status,
    eventCreated: event.created_at,
  };
}
