import { expect } from 'chai';
import { fixtureWith } from './helpers/fixtures.js';
import { startHarness, type Harness } from './helpers/harness.js';
import {
  bothOrders,
  createRegistration,
  createStripeConnection,
  createTicketingEvent,
  deliverInOrder,
  deliverTogether,
  getRegistration,
  postStripeEvent,
  stripeCheckoutSession,
  stripePaymentFailed,
  stripePaymentSucceeded,
  uniqueId,
  type FinishedRow,
} from './helpers/processing.js';

describe('processing Stripe payments', () => {
  let h: Harness;
  let eventId: string;
  let webhookPath: string;

  before(async () => {
    h = await startHarness({ workers: true });
    eventId = await createTicketingEvent(h, { currency: 'USD' });
    webhookPath = await createStripeConnection(h);
  });
  after(async () => {
    await h.close();
  });

  function stripePayment(status: 'succeeded' | 'pending' | 'failed', paymentIntentId: string, amount: number, currency = 'USD') {
    return { provider: 'stripe', provider_payment_id: paymentIntentId, status, amount, amount_refunded: 0, currency };
  }

  function expectAllProcessed(rows: Record<string, FinishedRow>): void {
    for (const [name, row] of Object.entries(rows)) expect(row.status, `${name}: ${row.last_error}`).to.equal('processed');
  }

  describe('late failure on the same intent', () => {
    for (const order of bothOrders('succeeded', 'failed')) {
      it(`stays confirmed: ${order.join(' then ')}`, async () => {
        const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
        const paymentIntentId = uniqueId('pi');

        const rows = await deliverInOrder(h, order, {
          succeeded: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 })),
          failed: () => postStripeEvent(h, webhookPath, stripePaymentFailed({ registrationId, paymentIntentId })),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(4500);
        expect(registration.amount_refunded).to.equal(0);
        expect(registration.payments).to.deep.equal([stripePayment('succeeded', paymentIntentId, 4500)]);
      });
    }

    it('stays confirmed when both race', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');

      const rows = await deliverTogether(h, {
        succeeded: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 })),
        failed: () => postStripeEvent(h, webhookPath, stripePaymentFailed({ registrationId, paymentIntentId })),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.payments).to.deep.equal([stripePayment('succeeded', paymentIntentId, 4500)]);
    });

    it('keeps the success without failure details', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');

      await deliverInOrder(h, ['succeeded', 'failed'], {
        succeeded: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 })),
        failed: () => postStripeEvent(h, webhookPath, stripePaymentFailed({ registrationId, paymentIntentId })),
      });

      const row = await h.database.db('payments').where({ provider_payment_id: paymentIntentId }).first('status', 'failure_code', 'failure_message');
      expect(row).to.deep.equal({ status: 'succeeded', failure_code: null, failure_message: null });
    });
  });

  describe('failed attempt and a separate successful intent', () => {
    for (const order of bothOrders('succeeded', 'failed')) {
      it(`is confirmed: ${order.join(' then ')}`, async () => {
        const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
        const failedIntentId = uniqueId('pi');
        const succeededIntentId = uniqueId('pi');

        const rows = await deliverInOrder(h, order, {
          succeeded: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId: succeededIntentId, amount: 4500 })),
          failed: () => postStripeEvent(h, webhookPath, stripePaymentFailed({ registrationId, paymentIntentId: failedIntentId })),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(4500);
        const byIntent = Object.fromEntries(registration.payments.map((entry: { provider_payment_id: string; status: string }) => [entry.provider_payment_id, entry.status]));
        expect(byIntent).to.deep.equal({ [failedIntentId]: 'failed', [succeededIntentId]: 'succeeded' });
      });
    }
  });

  it('failed payment alone is payment_failed', async () => {
    const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
    const paymentIntentId = uniqueId('pi');

    const rows = await deliverInOrder(h, ['failed'], {
      failed: () => postStripeEvent(h, webhookPath, stripePaymentFailed({ registrationId, paymentIntentId })),
    });

    expectAllProcessed(rows);
    const registration = await getRegistration(h, registrationId);
    expect(registration.status).to.equal('payment_failed');
    expect(registration.amount_paid).to.equal(0);
    expect(registration.payments).to.deep.equal([stripePayment('failed', paymentIntentId, 4500)]);
    const row = await h.database.db('payments').where({ provider_payment_id: paymentIntentId }).first('failure_code', 'failure_message');
    expect(row).to.deep.equal({ failure_code: 'insufficient_funds', failure_message: 'Card declined: insufficient funds (fixture text).' });
  });

  describe('amount checks', () => {
    it('payment below amount_due is underpaid', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');

      const rows = await deliverInOrder(h, ['succeeded'], {
        succeeded: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 3000 })),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('underpaid');
      expect(registration.amount_paid).to.equal(3000);
      expect(registration.payments).to.deep.equal([stripePayment('succeeded', paymentIntentId, 3000)]);
    });

    it('payment in another currency is underpaid', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');

      const rows = await deliverInOrder(h, ['succeeded'], {
        succeeded: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500, currency: 'eur' })),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('underpaid');
      expect(registration.amount_paid).to.equal(0);
      expect(registration.payments).to.deep.equal([stripePayment('succeeded', paymentIntentId, 4500, 'EUR')]);
    });

    it('amount_received below amount is underpaid', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');
      const body = fixtureWith('stripe.payment_intent.succeeded.json', {
        evt_3RfxT0Kq8ZbW2mNa1pQ8rS9t: uniqueId('evt'),
        reg_01JF8T4K2M9QZ: registrationId,
        pi_3RfxT0Kq8ZbW2mNa1cD4eF5g: paymentIntentId,
        '"amount_received": 4500,': '"amount_received": 3000,',
      });

      const rows = await deliverInOrder(h, ['succeeded'], { succeeded: () => postStripeEvent(h, webhookPath, body) });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('underpaid');
      expect(registration.amount_paid).to.equal(3000);
    });

    it('second intent completes an underpayment', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const firstIntentId = uniqueId('pi');
      const secondIntentId = uniqueId('pi');

      const rows = await deliverInOrder(h, ['first', 'second'], {
        first: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId: firstIntentId, amount: 2000 })),
        second: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId: secondIntentId, amount: 2500 })),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_paid).to.equal(4500);
    });
  });

  describe('minor units', () => {
    const cases = [
      { currency: 'JPY', stripeCurrency: 'jpy', amount: 5000 },
      { currency: 'KWD', stripeCurrency: 'kwd', amount: 12345 },
      { currency: 'INR', stripeCurrency: 'inr', amount: 149900 },
    ];
    for (const { currency, stripeCurrency, amount } of cases) {
      it(`${currency} ${amount} confirms with the exact amount`, async () => {
        const currencyEventId = await createTicketingEvent(h, { currency });
        const registrationId = await createRegistration(h, currencyEventId, { amount_due: amount, currency });
        const paymentIntentId = uniqueId('pi');

        const rows = await deliverInOrder(h, ['succeeded'], {
          succeeded: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount, currency: stripeCurrency })),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(amount);
        expect(registration.currency).to.equal(currency);
        expect(registration.payments).to.deep.equal([stripePayment('succeeded', paymentIntentId, amount, currency)]);
      });

      it(`${currency} one minor unit short is underpaid`, async () => {
        const currencyEventId = await createTicketingEvent(h, { currency });
        const registrationId = await createRegistration(h, currencyEventId, { amount_due: amount, currency });
        const paymentIntentId = uniqueId('pi');

        await deliverInOrder(h, ['succeeded'], {
          succeeded: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: amount - 1, currency: stripeCurrency })),
        });

        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('underpaid');
        expect(registration.amount_paid).to.equal(amount - 1);
      });
    }
  });

  describe('Checkout Sessions', () => {
    function session(type: Parameters<typeof stripeCheckoutSession>[0]['type'], ids: { sessionId: string; paymentIntentId: string; registrationId: string }, paymentStatus: 'paid' | 'unpaid', metadataEmpty = false) {
      return () => postStripeEvent(h, webhookPath, stripeCheckoutSession({ type, ...ids, paymentStatus, metadataEmpty }));
    }

    function newIds(registrationId: string) {
      return { sessionId: uniqueId('cs_test'), paymentIntentId: uniqueId('pi'), registrationId };
    }

    it('unpaid completion stays pending_payment', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const ids = newIds(registrationId);

      const rows = await deliverInOrder(h, ['completed'], { completed: session('checkout.session.completed', ids, 'unpaid') });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('pending_payment');
      expect(registration.amount_paid).to.equal(0);
      expect(registration.payments).to.deep.equal([stripePayment('pending', ids.paymentIntentId, 4500)]);
    });

    for (const order of bothOrders('completed', 'async_succeeded')) {
      it(`async success confirms: ${order.join(' then ')}`, async () => {
        const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
        const ids = newIds(registrationId);

        const rows = await deliverInOrder(h, order, {
          completed: session('checkout.session.completed', ids, 'unpaid'),
          async_succeeded: session('checkout.session.async_payment_succeeded', ids, 'paid'),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(4500);
        expect(registration.payments).to.deep.equal([stripePayment('succeeded', ids.paymentIntentId, 4500)]);
      });
    }

    for (const order of bothOrders('completed', 'async_failed')) {
      it(`async failure is payment_failed: ${order.join(' then ')}`, async () => {
        const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
        const ids = newIds(registrationId);

        const rows = await deliverInOrder(h, order, {
          completed: session('checkout.session.completed', ids, 'unpaid'),
          async_failed: session('checkout.session.async_payment_failed', ids, 'unpaid'),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('payment_failed');
        expect(registration.amount_paid).to.equal(0);
        expect(registration.payments).to.deep.equal([stripePayment('failed', ids.paymentIntentId, 4500)]);
      });
    }

    it('client_reference_id links without metadata', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const ids = newIds(registrationId);

      const rows = await deliverInOrder(h, ['completed'], { completed: session('checkout.session.completed', ids, 'paid', true) });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_paid).to.equal(4500);
      expect(registration.payments).to.deep.equal([stripePayment('succeeded', ids.paymentIntentId, 4500)]);
    });

    it('client_reference_id links an unpaid then async success', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const ids = newIds(registrationId);

      const rows = await deliverInOrder(h, ['completed', 'async_succeeded'], {
        completed: session('checkout.session.completed', ids, 'unpaid', true),
        async_succeeded: session('checkout.session.async_payment_succeeded', ids, 'paid', true),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.payments).to.deep.equal([stripePayment('succeeded', ids.paymentIntentId, 4500)]);
    });

    for (const order of bothOrders('session', 'intent')) {
      it(`paid session and intent count once: ${order.join(' then ')}`, async () => {
        const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
        const ids = newIds(registrationId);

        const rows = await deliverInOrder(h, order, {
          session: session('checkout.session.completed', ids, 'paid'),
          intent: () => postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId: ids.paymentIntentId, amount: 4500 })),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(4500);
        expect(registration.payments).to.deep.equal([stripePayment('succeeded', ids.paymentIntentId, 4500)]);
      });
    }
  });
});
