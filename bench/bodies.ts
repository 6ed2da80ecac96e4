import { newRefundId, newStripeIds, stripeChargeRefunded, stripePaymentIntent, stripeRefund } from '../scripts/demo/payloads.js';

/** Amount due on every benchmark registration and paid by every benchmark payment, in cents. */
export const REGISTRATION_AMOUNT = 4500;
/** Amount of every partial refund in the end-to-end run, in cents: a third of the payment. */
export const PARTIAL_REFUND_AMOUNT = 1500;
export const CURRENCY = 'USD';

/** Builds the raw body of a `payment_intent.succeeded` event for a fresh PaymentIntent of a registration. */
export function paymentSucceededBody(registrationId: string, ids = newStripeIds()): string {
  return JSON.stringify(stripePaymentIntent('payment_intent.succeeded', ids, registrationId, REGISTRATION_AMOUNT, CURRENCY.toLowerCase()));
}

/**
 * Builds the raw body of a partial refund of a payment: `charge.refunded`
 * (cumulative total) for even `variant`, `refund.updated` with status
 * `succeeded` for odd, so both refund paths of the worker run.
 */
export function partialRefundBody(ids: { paymentIntent: string; charge: string }, variant: number): string {
  const event =
    variant % 2 === 0
      ? stripeChargeRefunded(ids, REGISTRATION_AMOUNT, PARTIAL_REFUND_AMOUNT, CURRENCY.toLowerCase())
      : stripeRefund('refund.updated', ids, newRefundId('stripe'), PARTIAL_REFUND_AMOUNT, 'succeeded', CURRENCY.toLowerCase());
  return JSON.stringify(event);
}

/**
 * Returns a fast builder of unique `payment_intent.succeeded` bodies for the
 * ingest levels. One body from the demo payload builder becomes a template,
 * and each call replaces its event, request, PaymentIntent, charge and
 * registration ids, which is cheaper than building a body with random ids.
 * `runTag` must differ between builders whose events reach the same database.
 */
export function uniquePaymentBodies(runTag: string): (registrationId: string) => string {
  const event = stripePaymentIntent('payment_intent.succeeded', { paymentIntent: '@PI@', charge: '@CHARGE@' }, '@REG@', REGISTRATION_AMOUNT, CURRENCY.toLowerCase()) as {
    id: string;
    request: { id: string };
  };
  event.id = '@EVENT@';
  event.request.id = '@REQUEST@';
  const template = JSON.stringify(event);
  let counter = 0;
  return (registrationId) => {
    counter += 1;
    const unique = `${runTag}${counter.toString(36).padStart(6, '0')}`;
    return template
      .replace('@EVENT@', `evt_${unique}`)
      .replace('@REQUEST@', `req_${unique}`)
      .replace('@PI@', `pi_${unique}`)
      .replace('@CHARGE@', `ch_${unique}`)
      .replace('@REG@', registrationId);
  };
}

/** Returns the Stripe event id of a body built here. */
export function eventIdOf(body: string): string {
  return (JSON.parse(body) as { id: string }).id;
}
