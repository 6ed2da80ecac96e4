import { isPublicId } from '../crypto/ids.js';
import { ProviderIdConflictError, RegistrationNotFoundError } from '../errors.js';
import type { PaymentFailed, PaymentPending, PaymentSucceeded } from './events.js';
import { lockRegistration, recomputeRegistration, type LockedRegistration } from './recompute-registration.js';
import { mergePaymentStatus, type PaymentStatus } from './registration-state.js';
import { inScope, type ApplyContext } from './scope.js';

type PaymentEvent = PaymentSucceeded | PaymentFailed | PaymentPending;

const STATUS_OF: Record<PaymentEvent['kind'], PaymentStatus> = {
  PaymentSucceeded: 'succeeded',
  PaymentFailed: 'failed',
  PaymentPending: 'pending',
};

/**
 * Finds the registration a payment belongs to, strongest link first: a
 * payment already recorded, a reference stored on the registration, the
 * registration id in metadata or notes, then another payment of the same
 * Razorpay order. Only registrations of the event's organisation match.
 */
async function findRegistrationId(ctx: ApplyContext, event: PaymentEvent): Promise<string | undefined> {
  const { trx } = ctx;
  const known = await trx('payments')
    .where({ provider: event.provider, provider_payment_id: event.providerPaymentId })
    .first<{ registration_id: string; organisation_id: string } | undefined>('registration_id', 'organisation_id');
  if (known !== undefined && inScope(ctx, known.organisation_id)) return known.registration_id;

  const references = [event.providerPaymentId, event.providerOrderId].filter((value): value is string => value !== undefined);
  const byReference = await trx('registrations')
    .whereIn('provider_payment_id', references)
    .modify((query) => (ctx.organisationId === null ? query : query.where({ organisation_id: ctx.organisationId })))
    .first<{ id: string } | undefined>('id');
  if (byReference !== undefined) return byReference.id;

  if (isPublicId(event.registrationId, 'reg')) {
    const byId = await trx('registrations').where({ id: event.registrationId }).first<{ id: string; organisation_id: string } | undefined>('id', 'organisation_id');
    if (byId !== undefined && inScope(ctx, byId.organisation_id)) return byId.id;
  }

  if (event.providerOrderId !== undefined) {
    const sameOrder = await trx('payments')
      .where({ provider: event.provider, provider_order_id: event.providerOrderId })
      .first<{ registration_id: string; organisation_id: string } | undefined>('registration_id', 'organisation_id');
    if (sameOrder !== undefined && inScope(ctx, sameOrder.organisation_id)) return sameOrder.registration_id;
  }
  return undefined;
}

/** Records a payment outcome and recomputes its registration. Returns the registration id. */
export async function applyPaymentEvent(ctx: ApplyContext, event: PaymentEvent): Promise<string> {
  const { trx } = ctx;
  const registrationId = await findRegistrationId(ctx, event);
  const registration: LockedRegistration | undefined = registrationId === undefined ? undefined : await lockRegistration(trx, registrationId);
  if (registration === undefined) throw new RegistrationNotFoundError(event.providerPaymentId, event.registrationId);

  const existing = await trx('payments')
    .where({ provider: event.provider, provider_payment_id: event.providerPaymentId })
    .forUpdate()
    .first<{ id: number; status: PaymentStatus; registration_id: string } | undefined>('id', 'status', 'registration_id');
  // The id is unique per provider, so a row found here under another registration is another organisation's payment.
  if (existing !== undefined && existing.registration_id !== registration.id) {
    throw new ProviderIdConflictError(`Payment ${event.providerPaymentId} is already recorded for another registration; registration ${registration.id} was not changed`);
  }
  const status = mergePaymentStatus(existing?.status, STATUS_OF[event.kind]);
  // A success carries the captured amount; earlier attempts' amounts are only what was asked.
  const money = existing === undefined || event.kind === 'PaymentSucceeded' ? { amount: event.amount, currency: event.currency } : {};
  const failure = event.kind === 'PaymentFailed' && status === 'failed' ? { failure_code: event.failureCode, failure_message: event.failureMessage } : {};

  if (existing === undefined) {
    await trx('payments').insert({
      organisation_id: registration.organisation_id,
      registration_id: registration.id,
      provider: event.provider,
      provider_payment_id: event.providerPaymentId,
      provider_order_id: event.providerOrderId ?? null,
      status,
      ...money,
      ...failure,
    });
  } else {
    await trx('payments')
      .where({ id: existing.id })
      .update({ status, ...money, ...failure, provider_order_id: trx.raw('coalesce(provider_order_id, ?)', [event.providerOrderId ?? null]), updated_at: trx.fn.now() });
  }
  await recomputeRegistration(trx, registration);
  return registration.id;
}
