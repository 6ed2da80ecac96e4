import { randomBytes } from 'node:crypto';

/** Provider-shaped webhook bodies with invented values, for the demo and the benchmarks. */

let sequence = 0;
function token(length = 14): string {
  sequence += 1;
  return `${randomBytes(8).toString('hex').slice(0, length - 4)}${sequence.toString(36).padStart(4, '0')}`;
}

export const newStripeIds = () => ({ paymentIntent: `pi_${token(24)}`, charge: `ch_${token(24)}` });

function stripeEvent(type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return {
    id: `evt_${token(24)}`,
    object: 'event',
    api_version: '2025-03-31.basil',
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: `req_${token(14)}`, idempotency_key: null },
    type,
  };
}

export function stripePaymentIntent(
  type: 'payment_intent.succeeded' | 'payment_intent.payment_failed',
  ids: { paymentIntent: string; charge: string },
  registrationId: string,
  amount: number,
  currency = 'usd',
): Record<string, unknown> {
  const succeeded = type === 'payment_intent.succeeded';
  return stripeEvent(type, {
    id: ids.paymentIntent,
    object: 'payment_intent',
    amount,
    amount_received: succeeded ? amount : 0,
    currency,
    description: 'DevConf 2026 – General Admission',
    latest_charge: ids.charge,
    livemode: false,
    metadata: { registration_id: registrationId },
    status: succeeded ? 'succeeded' : 'requires_payment_method',
    last_payment_error: succeeded
      ? null
      : { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', type: 'card_error' },
  });
}

export function stripeRefund(
  type: 'refund.created' | 'refund.updated' | 'refund.failed',
  ids: { paymentIntent: string; charge: string },
  refundId: string,
  amount: number,
  status: 'pending' | 'succeeded' | 'failed',
  currency = 'usd',
): Record<string, unknown> {
  return stripeEvent(type, {
    id: refundId,
    object: 'refund',
    amount,
    charge: ids.charge,
    currency,
    payment_intent: ids.paymentIntent,
    reason: 'requested_by_customer',
    status,
  });
}

export function stripeChargeRefunded(ids: { paymentIntent: string; charge: string }, amount: number, amountRefunded: number, currency = 'usd'): Record<string, unknown> {
  return stripeEvent('charge.refunded', {
    id: ids.charge,
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: amountRefunded,
    currency,
    payment_intent: ids.paymentIntent,
    refunded: amountRefunded >= amount,
    metadata: {},
    status: 'succeeded',
  });
}

export function stripeSubscription(
  type: 'customer.subscription.created' | 'customer.subscription.updated' | 'customer.subscription.deleted',
  subscriptionId: string,
  status: string,
  plan: string,
  created: number,
): Record<string, unknown> {
  return stripeEvent(
    type,
    {
      id: subscriptionId,
      object: 'subscription',
      status,
      customer: 'cus_DemoCustomer01',
      cancel_at_period_end: false,
      items: { object: 'list', data: [{ id: `si_${token(14)}`, current_period_end: created + 30 * 86400, price: { id: plan, object: 'price' } }] },
    },
    created,
  );
}

export function razorpayPayment(
  event: 'payment.captured' | 'payment.failed' | 'order.paid',
  ids: { payment: string; order: string },
  registrationId: string,
  amount: number,
): Record<string, unknown> {
  const failed = event === 'payment.failed';
  const payment = {
    id: ids.payment,
    entity: 'payment',
    amount,
    currency: 'INR',
    status: failed ? 'failed' : 'captured',
    order_id: ids.order,
    method: 'upi',
    amount_refunded: 0,
    captured: !failed,
    description: 'DevConf Bengaluru 2026 – Delegate pass',
    notes: { registration_id: registrationId },
    error_code: failed ? 'BAD_REQUEST_ERROR' : null,
    error_description: failed ? 'Payment was cancelled by the customer' : null,
    error_reason: failed ? 'payment_cancelled' : null,
    created_at: Math.floor(Date.now() / 1000) - 5,
  };
  const payload: Record<string, unknown> = { payment: { entity: payment } };
  if (event === 'order.paid') {
    payload['order'] = { entity: { id: ids.order, entity: 'order', amount, amount_paid: amount, amount_due: 0, currency: 'INR', status: 'paid', notes: [] } };
  }
  return { entity: 'event', account_id: 'acc_DemoAccount01', event, contains: Object.keys(payload), payload, created_at: Math.floor(Date.now() / 1000) };
}

export function razorpayRefundProcessed(ids: { payment: string }, refundId: string, amount: number): Record<string, unknown> {
  return {
    entity: 'event',
    account_id: 'acc_DemoAccount01',
    event: 'refund.processed',
    contains: ['refund'],
    payload: { refund: { entity: { id: refundId, entity: 'refund', amount, currency: 'INR', payment_id: ids.payment, notes: [], status: 'processed' } } },
    created_at: Math.floor(Date.now() / 1000),
  };
}

export const newRazorpayIds = () => ({ payment: `pay_${token(14)}`, order: `order_${token(14)}` });
export const newRefundId = (provider: 'stripe' | 'razorpay') => (provider === 'stripe' ? `re_${token(24)}` : `rfnd_${token(14)}`);
export const newRazorpayEventId = () => token(14);
