import type { RefundStatus } from './events.js';

export type RegistrationStatus = 'pending_payment' | 'confirmed' | 'payment_failed' | 'underpaid' | 'refunded' | 'cancelled';
export type PaymentStatus = 'pending' | 'succeeded' | 'failed';

export interface PaymentFacts {
  status: PaymentStatus;
  amount: number;
  currency: string;
  amountRefunded: number;
}

export interface RegistrationState {
  status: RegistrationStatus;
  amountPaid: number;
  amountRefunded: number;
}

/**
 * Derives a registration's state from every payment recorded for it, so the
 * result depends on the facts and never on the order they arrived in.
 * Payments in another currency count as nothing paid towards the amount due.
 */
export function deriveRegistrationState(
  registration: { status: RegistrationStatus; amountDue: number; currency: string },
  payments: PaymentFacts[],
): RegistrationState {
  const succeeded = payments.filter((payment) => payment.status === 'succeeded');
  const inCurrency = succeeded.filter((payment) => payment.currency === registration.currency);
  const amountPaid = sum(inCurrency.map((payment) => payment.amount));
  const amountRefunded = sum(inCurrency.map((payment) => Math.min(payment.amountRefunded, payment.amount)));
  const state = (status: RegistrationStatus): RegistrationState => ({ status, amountPaid, amountRefunded });

  // Cancelled is set by the organiser, not by payments; money facts still update.
  if (registration.status === 'cancelled') return state('cancelled');
  if (succeeded.length === 0) {
    // A free registration owes nothing, so it needs no payment to be confirmed.
    if (registration.amountDue === 0) return state('confirmed');
    return state(payments.some((payment) => payment.status === 'failed') ? 'payment_failed' : 'pending_payment');
  }
  if (amountPaid > 0 && amountRefunded >= amountPaid) return state('refunded');
  if (amountPaid < registration.amountDue) return state('underpaid');
  return state('confirmed');
}

/** Merges a payment status update: a success is final, so a late failure or pending never undoes it. */
export function mergePaymentStatus(current: PaymentStatus | undefined, incoming: PaymentStatus): PaymentStatus {
  if (current === 'succeeded') return 'succeeded';
  if (incoming === 'pending' && current === 'failed') return 'failed';
  return incoming;
}

const REFUND_STATUS_RANK: Record<RefundStatus, number> = { pending: 0, succeeded: 1, failed: 2, canceled: 2 };

/**
 * Merges a refund status update. Refunds move pending → succeeded → failed
 * (Stripe can fail a refund after it succeeded), never backwards, so a late
 * `refund.created` cannot undo a `succeeded`.
 */
export function mergeRefundStatus(current: RefundStatus | undefined, incoming: RefundStatus): RefundStatus {
  if (current === undefined) return incoming;
  return REFUND_STATUS_RANK[incoming] > REFUND_STATUS_RANK[current] ? incoming : current;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
