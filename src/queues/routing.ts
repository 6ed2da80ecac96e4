import type { DomainEvent, Provider } from '../domain/events.js';
import * as razorpayPayments from '../providers/razorpay/payment-events.js';
import * as razorpayRefunds from '../providers/razorpay/refund-events.js';
import type { RazorpayEnvelope } from '../providers/razorpay/schemas.js';
import * as razorpaySubscriptions from '../providers/razorpay/subscription-events.js';
import * as stripePayments from '../providers/stripe/payment-events.js';
import * as stripeRefunds from '../providers/stripe/refund-events.js';
import type { StripeEnvelope } from '../providers/stripe/schemas.js';
import * as stripeSubscriptions from '../providers/stripe/subscription-events.js';
import type { QueueName } from './names.js';

export interface EventRoute<Envelope> {
  queue: QueueName;
  /** Turns the provider event into a domain event; null means nothing to apply. */
  normalise: (event: Envelope) => DomainEvent | null;
}

/** Every Stripe event type the service handles, with its queue. Any other type is logged `ignored`. */
export const STRIPE_ROUTES: Readonly<Record<string, EventRoute<StripeEnvelope>>> = {
  'payment_intent.succeeded': { queue: 'payments', normalise: stripePayments.paymentIntentSucceeded },
  'payment_intent.payment_failed': { queue: 'payments', normalise: stripePayments.paymentIntentFailed },
  'checkout.session.completed': { queue: 'payments', normalise: stripePayments.checkoutSessionCompleted },
  'checkout.session.async_payment_succeeded': { queue: 'payments', normalise: stripePayments.checkoutSessionAsyncSucceeded },
  'checkout.session.async_payment_failed': { queue: 'payments', normalise: stripePayments.checkoutSessionAsyncFailed },
  'charge.refunded': { queue: 'refunds', normalise: stripeRefunds.chargeRefunded },
  'refund.created': { queue: 'refunds', normalise: stripeRefunds.refundChanged },
  'refund.updated': { queue: 'refunds', normalise: stripeRefunds.refundChanged },
  'refund.failed': { queue: 'refunds', normalise: stripeRefunds.refundFailed },
  'charge.refund.updated': { queue: 'refunds', normalise: stripeRefunds.refundChanged },
  'customer.subscription.created': { queue: 'subscriptions', normalise: stripeSubscriptions.subscriptionChanged },
  'customer.subscription.updated': { queue: 'subscriptions', normalise: stripeSubscriptions.subscriptionChanged },
  'customer.subscription.deleted': { queue: 'subscriptions', normalise: stripeSubscriptions.subscriptionChanged },
  'customer.subscription.paused': { queue: 'subscriptions', normalise: stripeSubscriptions.subscriptionChanged },
  'customer.subscription.resumed': { queue: 'subscriptions', normalise: stripeSubscriptions.subscriptionChanged },
  'invoice.paid': { queue: 'subscriptions', normalise: stripeSubscriptions.invoiceChanged },
  'invoice.payment_failed': { queue: 'subscriptions', normalise: stripeSubscriptions.invoiceChanged },
};

const razorpaySubscription: EventRoute<RazorpayEnvelope> = { queue: 'subscriptions', normalise: razorpaySubscriptions.subscriptionChanged };

/** Every Razorpay event type the service handles, with its queue. */
export const RAZORPAY_ROUTES: Readonly<Record<string, EventRoute<RazorpayEnvelope>>> = {
  'payment.captured': { queue: 'payments', normalise: razorpayPayments.paymentCaptured },
  'order.paid': { queue: 'payments', normalise: razorpayPayments.paymentCaptured },
  'payment.failed': { queue: 'payments', normalise: razorpayPayments.paymentFailed },
  'refund.created': { queue: 'refunds', normalise: razorpayRefunds.refundChanged },
  'refund.processed': { queue: 'refunds', normalise: razorpayRefunds.refundChanged },
  'refund.failed': { queue: 'refunds', normalise: razorpayRefunds.refundChanged },
  'subscription.activated': razorpaySubscription,
  'subscription.charged': razorpaySubscription,
  'subscription.pending': razorpaySubscription,
  'subscription.halted': razorpaySubscription,
  'subscription.cancelled': razorpaySubscription,
  'subscription.completed': razorpaySubscription,
  'subscription.paused': razorpaySubscription,
  'subscription.resumed': razorpaySubscription,
  'subscription.updated': razorpaySubscription,
};

/** Returns the queue for a handled event type, or undefined when the type is not handled. */
export function queueFor(provider: Provider, type: string): QueueName | undefined {
  const routes: Readonly<Record<string, { queue: QueueName }>> = provider === 'stripe' ? STRIPE_ROUTES : RAZORPAY_ROUTES;
  return Object.hasOwn(routes, type) ? routes[type]?.queue : undefined;
}
