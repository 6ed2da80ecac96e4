/** Payment providers this service receives webhooks from. */
export type Provider = 'stripe' | 'razorpay';

/** Links from a payment event to its registration, strongest first. */
export interface PaymentLink {
  /** Stripe PaymentIntent id (or Checkout Session id when it has none) or Razorpay payment id. */
  providerPaymentId: string;
  /** Razorpay order id, when the payment belongs to one. */
  providerOrderId?: string | undefined;
  /** Registration id carried in Stripe `metadata`/`client_reference_id` or Razorpay `notes`. */
  registrationId?: string | undefined;
}

/** A payment was captured (Stripe PaymentIntent succeeded, paid Checkout Session, Razorpay capture or paid order). */
export interface PaymentSucceeded extends PaymentLink {
  kind: 'PaymentSucceeded';
  provider: Provider;
  amount: number;
  currency: string;
}

/** An attempt to pay failed; the customer may still retry and succeed. */
export interface PaymentFailed extends PaymentLink {
  kind: 'PaymentFailed';
  provider: Provider;
  amount: number;
  currency: string;
  failureCode: string | null;
  failureMessage: string | null;
}

/** A Checkout Session completed without money yet (delayed payment methods); links the payment, confirms nothing. */
export interface PaymentPending extends PaymentLink {
  kind: 'PaymentPending';
  provider: Provider;
  amount: number;
  currency: string;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

/** A refund object was created or changed status. */
export interface RefundUpdated {
  kind: 'RefundUpdated';
  provider: Provider;
  providerRefundId: string;
  providerPaymentId: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  /** Provider `created` time of the event, Unix seconds; orders a refund failure against `charge.refunded` totals. */
  eventCreated: number;
}

/**
 * Stripe `charge.refunded`: the charge's cumulative refunded total, plus the
 * individual refunds when the payload lists them.
 */
export interface ChargeRefunded {
  kind: 'ChargeRefunded';
  provider: 'stripe';
  providerPaymentId: string;
  amountRefunded: number;
  currency: string;
  /** Provider `created` time of the event, Unix seconds; the newest total wins. */
  eventCreated: number;
  refunds: Omit<RefundUpdated, 'kind'>[];
}

/** A subscription changed state; applied only when newer than the last applied event. */
export interface SubscriptionChanged {
  kind: 'SubscriptionChanged';
  provider: Provider;
  providerSubscriptionId: string;
  status: string;
  plan: string | null;
  customerId: string | null;
  /** Unix seconds, or null when the payload has no period end. */
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  eventCreated: number;
}

/** An invoice of a subscription was paid or failed; records the invoice, leaves the subscription status alone. */
export interface InvoiceUpdated {
  kind: 'InvoiceUpdated';
  provider: Provider;
  providerSubscriptionId: string;
  invoiceId: string;
  invoiceStatus: 'paid' | 'payment_failed';
  eventCreated: number;
}

export type DomainEvent =
  | PaymentSucceeded
  | PaymentFailed
  | PaymentPending
  | RefundUpdated
  | ChargeRefunded
  | SubscriptionChanged
  | InvoiceUpdated;
