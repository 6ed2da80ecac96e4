import type { Knex } from 'knex';
import { deriveRegistrationState, type PaymentStatus, type RegistrationStatus } from './registration-state.js';

export interface LockedRegistration {
  id: string;
  organisation_id: string;
  status: RegistrationStatus;
  amount_due: number;
  currency: string;
  amount_paid: number;
  amount_refunded: number;
}

/** Locks a registration row for the rest of the transaction, serialising every event that touches it. */
export async function lockRegistration(trx: Knex.Transaction, id: string): Promise<LockedRegistration | undefined> {
  return trx('registrations').where({ id }).forUpdate().first<LockedRegistration | undefined>();
}

/**
 * Recomputes a locked registration's status and amounts from all its
 * payments and writes them when they changed. Returns the new status.
 */
export async function recomputeRegistration(trx: Knex.Transaction, registration: LockedRegistration): Promise<RegistrationStatus> {
  const payments = await trx('payments')
    .where({ registration_id: registration.id })
    .select<{ status: PaymentStatus; amount: number; currency: string; amount_refunded: number }[]>('status', 'amount', 'currency', 'amount_refunded');
  const next = deriveRegistrationState(
    { status: registration.status, amountDue: registration.amount_due, currency: registration.currency },
    payments.map((payment) => ({ status: payment.status, amount: payment.amount, currency: payment.currency, amountRefunded: payment.amount_refunded })),
  );
  const changed =
    next.status !== registration.status || next.amountPaid !== registration.amount_paid || next.amountRefunded !== registration.amount_refunded;
  if (changed) {
    await trx('registrations')
      .where({ id: registration.id })
      .update({ status: next.status, amount_paid: next.amountPaid, amount_refunded: next.amountRefunded, updated_at: trx.fn.now() });
  }
  return next.status;
}

/**
 * Recomputes a payment's refunded amount as the sum of its distinct succeeded
 * refunds. When larger, the newest cumulative total from `charge.refunded`
 * wins instead, less the refunds reported failed at or after that event,
 * because Stripe API versions since 2022-11-15 omit the refund list from it.
 * The amount is never incremented, so repeated deliveries cannot inflate it.
 */
export async function recomputePaymentRefunds(trx: Knex.Transaction, paymentId: number): Promise<void> {
  const payment = await trx('payments')
    .where({ id: paymentId })
    .first<{ currency: string; charge_amount_refunded: number; charge_refunded_event_created: number | null }>(
      'currency',
      'charge_amount_refunded',
      'charge_refunded_event_created',
    );
  const succeeded = await trx('refunds')
    .where({ payment_id: paymentId, status: 'succeeded', currency: payment.currency })
    .sum<{ total: number | null }>({ total: 'amount' })
    .first();
  // A refund that fails after the charge event still sits in that event's total, so it is taken out here.
  const failedSince = await trx('refunds')
    .where({ payment_id: paymentId, currency: payment.currency })
    .whereIn('status', ['failed', 'canceled'])
    .andWhere('failed_event_created', '>=', payment.charge_refunded_event_created ?? Number.MAX_SAFE_INTEGER)
    .sum<{ total: number | null }>({ total: 'amount' })
    .first();
  const chargeTotal = payment.charge_amount_refunded - Number(failedSince?.total ?? 0);
  const refunded = Math.max(Number(succeeded?.total ?? 0), chargeTotal);
  await trx('payments').where({ id: paymentId }).update({ amount_refunded: refunded, updated_at: trx.fn.now() });
}
