import { expect } from 'chai';
import type { RefundStatus } from '../src/domain/events.js';
import { shouldApplySubscriptionEvent } from '../src/domain/apply-subscription.js';
import {
  deriveRegistrationState,
  mergePaymentStatus,
  mergeRefundStatus,
  type PaymentFacts,
  type PaymentStatus,
  type RegistrationStatus,
} from '../src/domain/registration-state.js';

const DUE_USD = { status: 'pending_payment' as RegistrationStatus, amountDue: 4500, currency: 'USD' };

function payment(status: PaymentStatus, amount: number, options: { currency?: string; amountRefunded?: number } = {}): PaymentFacts {
  return { status, amount, currency: options.currency ?? 'USD', amountRefunded: options.amountRefunded ?? 0 };
}

describe('deriveRegistrationState', () => {
  it('no payments is pending_payment', () => {
    expect(deriveRegistrationState(DUE_USD, [])).to.deep.equal({ status: 'pending_payment', amountPaid: 0, amountRefunded: 0 });
  });

  it('pending payment stays pending_payment', () => {
    expect(deriveRegistrationState(DUE_USD, [payment('pending', 4500)])).to.deep.equal({ status: 'pending_payment', amountPaid: 0, amountRefunded: 0 });
  });

  it('only failed payments is payment_failed', () => {
    expect(deriveRegistrationState(DUE_USD, [payment('failed', 4500)])).to.deep.equal({ status: 'payment_failed', amountPaid: 0, amountRefunded: 0 });
  });

  it('pending beside failed is payment_failed', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('pending', 4500), payment('failed', 4500)]);
    expect(state.status).to.equal('payment_failed');
  });

  it('full payment is confirmed', () => {
    expect(deriveRegistrationState(DUE_USD, [payment('succeeded', 4500)])).to.deep.equal({ status: 'confirmed', amountPaid: 4500, amountRefunded: 0 });
  });

  it('overpayment is confirmed with the paid amount', () => {
    expect(deriveRegistrationState(DUE_USD, [payment('succeeded', 5000)])).to.deep.equal({ status: 'confirmed', amountPaid: 5000, amountRefunded: 0 });
  });

  it('success beside a failure is confirmed', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('failed', 4500), payment('succeeded', 4500)]);
    expect(state).to.deep.equal({ status: 'confirmed', amountPaid: 4500, amountRefunded: 0 });
  });

  it('payment one unit short is underpaid', () => {
    expect(deriveRegistrationState(DUE_USD, [payment('succeeded', 4499)])).to.deep.equal({ status: 'underpaid', amountPaid: 4499, amountRefunded: 0 });
  });

  it('two payments summing to due are confirmed', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('succeeded', 2000), payment('succeeded', 2500)]);
    expect(state).to.deep.equal({ status: 'confirmed', amountPaid: 4500, amountRefunded: 0 });
  });

  it('payment in another currency is underpaid with nothing paid', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('succeeded', 4500, { currency: 'EUR' })]);
    expect(state).to.deep.equal({ status: 'underpaid', amountPaid: 0, amountRefunded: 0 });
  });

  it('other-currency payment adds nothing beside a full one', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('succeeded', 4500), payment('succeeded', 9999, { currency: 'EUR', amountRefunded: 9999 })]);
    expect(state).to.deep.equal({ status: 'confirmed', amountPaid: 4500, amountRefunded: 0 });
  });

  it('full refund is refunded', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('succeeded', 4500, { amountRefunded: 4500 })]);
    expect(state).to.deep.equal({ status: 'refunded', amountPaid: 4500, amountRefunded: 4500 });
  });

  it('partial refund stays confirmed', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('succeeded', 4500, { amountRefunded: 1500 })]);
    expect(state).to.deep.equal({ status: 'confirmed', amountPaid: 4500, amountRefunded: 1500 });
  });

  it('refund above the payment counts only the payment', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('succeeded', 4500, { amountRefunded: 9000 })]);
    expect(state).to.deep.equal({ status: 'refunded', amountPaid: 4500, amountRefunded: 4500 });
  });

  it('refund of one of two payments is not refunded', () => {
    const state = deriveRegistrationState(DUE_USD, [payment('succeeded', 2000, { amountRefunded: 2000 }), payment('succeeded', 2500)]);
    expect(state).to.deep.equal({ status: 'confirmed', amountPaid: 4500, amountRefunded: 2000 });
  });

  it('stored status does not outlive the facts', () => {
    const state = deriveRegistrationState({ ...DUE_USD, status: 'refunded' }, [payment('succeeded', 4500)]);
    expect(state.status).to.equal('confirmed');
  });

  it('cancelled stays cancelled with amounts updated', () => {
    const state = deriveRegistrationState({ ...DUE_USD, status: 'cancelled' }, [payment('succeeded', 4500, { amountRefunded: 4500 })]);
    expect(state).to.deep.equal({ status: 'cancelled', amountPaid: 4500, amountRefunded: 4500 });
  });

  it('free registration with zero payment is confirmed', () => {
    const state = deriveRegistrationState({ ...DUE_USD, amountDue: 0 }, [payment('succeeded', 0)]);
    expect(state).to.deep.equal({ status: 'confirmed', amountPaid: 0, amountRefunded: 0 });
  });

  it('free registration without payments is confirmed', () => {
    expect(deriveRegistrationState({ ...DUE_USD, amountDue: 0 }, [])).to.deep.equal({ status: 'confirmed', amountPaid: 0, amountRefunded: 0 });
  });

  it('free registration with a failed payment is confirmed', () => {
    expect(deriveRegistrationState({ ...DUE_USD, amountDue: 0 }, [payment('failed', 0)]).status).to.equal('confirmed');
  });

  it('JPY amounts stay in whole yen', () => {
    const state = deriveRegistrationState({ ...DUE_USD, amountDue: 5000, currency: 'JPY' }, [payment('succeeded', 5000, { currency: 'JPY' })]);
    expect(state).to.deep.equal({ status: 'confirmed', amountPaid: 5000, amountRefunded: 0 });
  });
});

describe('mergePaymentStatus', () => {
  const cases: [PaymentStatus | undefined, PaymentStatus, PaymentStatus][] = [
    [undefined, 'pending', 'pending'],
    [undefined, 'succeeded', 'succeeded'],
    [undefined, 'failed', 'failed'],
    ['pending', 'pending', 'pending'],
    ['pending', 'succeeded', 'succeeded'],
    ['pending', 'failed', 'failed'],
    ['succeeded', 'pending', 'succeeded'],
    ['succeeded', 'succeeded', 'succeeded'],
    ['succeeded', 'failed', 'succeeded'],
    ['failed', 'pending', 'failed'],
    ['failed', 'succeeded', 'succeeded'],
    ['failed', 'failed', 'failed'],
  ];
  for (const [current, incoming, expected] of cases) {
    it(`${current ?? 'none'} then ${incoming} is ${expected}`, () => {
      expect(mergePaymentStatus(current, incoming)).to.equal(expected);
    });
  }
});

describe('mergeRefundStatus', () => {
  const cases: [RefundStatus | undefined, RefundStatus, RefundStatus][] = [
    [undefined, 'pending', 'pending'],
    [undefined, 'succeeded', 'succeeded'],
    [undefined, 'failed', 'failed'],
    [undefined, 'canceled', 'canceled'],
    ['pending', 'pending', 'pending'],
    ['pending', 'succeeded', 'succeeded'],
    ['pending', 'failed', 'failed'],
    ['pending', 'canceled', 'canceled'],
    ['succeeded', 'pending', 'succeeded'],
    ['succeeded', 'succeeded', 'succeeded'],
    ['succeeded', 'failed', 'failed'],
    ['succeeded', 'canceled', 'canceled'],
    ['failed', 'pending', 'failed'],
    ['failed', 'succeeded', 'failed'],
    ['failed', 'failed', 'failed'],
    ['failed', 'canceled', 'failed'],
    ['canceled', 'pending', 'canceled'],
    ['canceled', 'succeeded', 'canceled'],
    ['canceled', 'failed', 'canceled'],
    ['canceled', 'canceled', 'canceled'],
  ];
  for (const [current, incoming, expected] of cases) {
    it(`${current ?? 'none'} then ${incoming} is ${expected}`, () => {
      expect(mergeRefundStatus(current, incoming)).to.equal(expected);
    });
  }
});

describe('shouldApplySubscriptionEvent', () => {
  const cases: { name: string; current: { status: string | null; lastEventCreated: number }; incoming: { status: string; eventCreated: number }; expected: boolean }[] = [
    { name: 'first event on an empty row applies', current: { status: null, lastEventCreated: 0 }, incoming: { status: 'active', eventCreated: 100 }, expected: true },
    { name: 'older event is stale', current: { status: 'active', lastEventCreated: 200 }, incoming: { status: 'past_due', eventCreated: 199 }, expected: false },
    { name: 'older event after canceled is stale', current: { status: 'canceled', lastEventCreated: 200 }, incoming: { status: 'active', eventCreated: 100 }, expected: false },
    { name: 'newer event applies', current: { status: 'active', lastEventCreated: 200 }, incoming: { status: 'past_due', eventCreated: 201 }, expected: true },
    { name: 'newer event reopens a terminal status', current: { status: 'canceled', lastEventCreated: 200 }, incoming: { status: 'active', eventCreated: 201 }, expected: true },
    { name: 'same second, active to active applies', current: { status: 'active', lastEventCreated: 200 }, incoming: { status: 'active', eventCreated: 200 }, expected: true },
    { name: 'same second, terminal replaces active', current: { status: 'active', lastEventCreated: 200 }, incoming: { status: 'canceled', eventCreated: 200 }, expected: true },
    { name: 'same second, active loses to canceled', current: { status: 'canceled', lastEventCreated: 200 }, incoming: { status: 'active', eventCreated: 200 }, expected: false },
    { name: 'same second, active loses to cancelled', current: { status: 'cancelled', lastEventCreated: 200 }, incoming: { status: 'active', eventCreated: 200 }, expected: false },
    { name: 'same second, active loses to completed', current: { status: 'completed', lastEventCreated: 200 }, incoming: { status: 'active', eventCreated: 200 }, expected: false },
    { name: 'same second, terminal to terminal applies', current: { status: 'canceled', lastEventCreated: 200 }, incoming: { status: 'incomplete_expired', eventCreated: 200 }, expected: true },
    { name: 'same second, halted is not terminal', current: { status: 'halted', lastEventCreated: 200 }, incoming: { status: 'active', eventCreated: 200 }, expected: true },
  ];
  for (const { name, current, incoming, expected } of cases) {
    it(name, () => {
      expect(shouldApplySubscriptionEvent(current, incoming)).to.equal(expected);
    });
  }
});
