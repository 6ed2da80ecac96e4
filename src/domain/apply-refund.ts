import { PaymentNotYetKnownError, ProviderIdConflictError } from '../errors.js';
import type { ChargeRefunded, Provider, RefundStatus, RefundUpdated } from './events.js';
import { lockRegistration, recomputePaymentRefunds, recomputeRegistration } from './recompute-registration.js';
import { mergeRefundStatus } from './registration-state.js';
import { inScope, type ApplyContext } from './scope.js';

function isFailure(status: RefundStatus): boolean {
  return status === 'failed' || status === 'canceled';
}

interface KnownPayment {
  id: number;
  registration_id: string;
  organisation_id: string;
}

/** Finds the payment a refund belongs to; a refund that outruns its payment waits for it. */
async function findPayment(ctx: ApplyContext, provider: Provider, providerPaymentId: string): Promise<KnownPayment> {
  const payment = await ctx.trx('payments')
    .where({ provider, provider_payment_id: providerPaymentId })
    .first<KnownPayment | undefined>('id', 'registration_id', 'organisation_id');
  if (payment === undefined || !inScope(ctx, payment.organisation_id)) throw new PaymentNotYetKnownError(providerPaymentId);
  return payment;
}

async function upsertRefund(ctx: ApplyContext, paymentId: number, refund: Omit<RefundUpdated, 'kind'>): Promise<void> {
  const { trx } = ctx;
  await trx('refunds')
    .insert({
      payment_id: paymentId,
      provider: refund.provider,
      provider_refund_id: refund.providerRefundId,
      amount: refund.amount,
      currency: refund.currency,
      status: refund.status,
      failed_event_created: isFailure(refund.status) ? refund.eventCreated : null,
    })
    .onConflict(['provider', 'provider_refund_id'])
    .ignore();
  const current = await trx('refunds')
    .where({ provider: refund.provider, provider_refund_id: refund.providerRefundId })
    .forUpdate()
    .first<{ id: number; status: RefundStatus; payment_id: number }>('id', 'status', 'payment_id');
  if (current.payment_id !== paymentId) {
    throw new ProviderIdConflictError(`Refund ${refund.providerRefundId} is already recorded for another payment than ${refund.providerPaymentId}; it was not changed`);
  }
  const status = mergeRefundStatus(current.status, refund.status);
  if (status !== current.status) {
    await trx('refunds')
      .where({ id: current.id })
      .update({ status, failed_event_created: isFailure(status) ? refund.eventCreated : null, updated_at: trx.fn.now() });
  }
}

/** Applies a refund status change and recomputes the payment and registration. Returns the registration id. */
export async function applyRefundEvent(ctx: ApplyContext, event: RefundUpdated): Promise<string> {
  const payment = await findPayment(ctx, event.provider, event.providerPaymentId);
  const registration = await lockRegistration(ctx.trx, payment.registration_id);
  if (registration === undefined) throw new PaymentNotYetKnownError(event.providerPaymentId);
  await upsertRefund(ctx, payment.id, event);
  await recomputePaymentRefunds(ctx.trx, payment.id);
  await recomputeRegistration(ctx.trx, registration);
  return registration.id;
}

/**
 * Applies Stripe `charge.refunded`: the refunds it lists, and its cumulative
 * total as a floor, kept from the newest such event only.
 */
export async function applyChargeRefunded(ctx: ApplyContext, event: ChargeRefunded): Promise<string> {
  const { trx } = ctx;
  const payment = await findPayment(ctx, event.provider, event.providerPaymentId);
  const registration = await lockRegistration(trx, payment.registration_id);
  if (registration === undefined) throw new PaymentNotYetKnownError(event.providerPaymentId);
  for (const refund of event.refunds) await upsertRefund(ctx, payment.id, refund);

  await trx('payments')
    .where({ id: payment.id })
    .andWhere((query) => query.whereNull('charge_refunded_event_created').orWhere('charge_refunded_event_created', '<', event.eventCreated))
    .update({ charge_amount_refunded: event.amountRefunded, charge_refunded_event_created: event.eventCreated });
  // Two charge events in the same second: the larger total is the later one, because refunds only add up.
  await trx('payments')
    .where({ id: payment.id, charge_refunded_event_created: event.eventCreated })
    .andWhere('charge_amount_refunded', '<', event.amountRefunded)
    .update({ charge_amount_refunded: event.amountRefunded });

  await recomputePaymentRefunds(trx, payment.id);
  await recomputeRegistration(trx, registration);
  return registration.id;
}
