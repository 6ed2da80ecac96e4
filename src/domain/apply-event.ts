import { applyPaymentEvent } from './apply-payment.js';
import { applyChargeRefunded, applyRefundEvent } from './apply-refund.js';
import { applyInvoiceEvent, applySubscriptionEvent } from './apply-subscription.js';
import type { DomainEvent } from './events.js';
import type { ApplyContext } from './scope.js';

export interface ApplyResult {
  registrationId?: string;
  changed?: boolean;
}

/** Applies one domain event inside the caller's transaction. */
export async function applyDomainEvent(ctx: ApplyContext, event: DomainEvent): Promise<ApplyResult> {
  switch (event.kind) {
    case 'PaymentSucceeded':
    case 'PaymentFailed':
    case 'PaymentPending':
      return { registrationId: await applyPaymentEvent(ctx, event) };
    case 'RefundUpdated':
      return { registrationId: await applyRefundEvent(ctx, event) };
    case 'ChargeRefunded':
      return { registrationId: await applyChargeRefunded(ctx, event) };
    case 'SubscriptionChanged':
      return { changed: await applySubscriptionEvent(ctx, event) };
    case 'InvoiceUpdated':
      return { changed: await applyInvoiceEvent(ctx, event) };
  }
}
