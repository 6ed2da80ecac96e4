import { expect } from 'chai';
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
  stripeChargeRefunded,
  stripePaymentSucceeded,
  stripeRefund,
  uniqueId,
  waitUntilFinished,
  waitUntilWaitingForPayment,
  type FinishedRow,
} from './helpers/processing.js';

describe('processing Stripe refunds', () => {
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

  /** Creates a 4500 USD registration and pays it in full with a fresh PaymentIntent. */
  async function paidRegistration(): Promise<{ registrationId: string; paymentIntentId: string }> {
    const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
    const paymentIntentId = uniqueId('pi');
    const row = await waitUntilFinished(h, await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 })));
    if (row.status !== 'processed') throw new Error(`Payment was not processed: ${row.last_error}`);
    return { registrationId, paymentIntentId };
  }

  function refund(type: string, refundId: string, paymentIntentId: string, amount: number, status: string) {
    return () => postStripeEvent(h, webhookPath, stripeRefund({ type, refundId, paymentIntentId, amount, status }));
  }

  function chargeRefunded(paymentIntentId: string, amountRefunded: number, created: number) {
    return () => postStripeEvent(h, webhookPath, stripeChargeRefunded({ paymentIntentId, amountRefunded, created }));
  }

  function paymentEntry(paymentIntentId: string, amountRefunded: number) {
    return { provider: 'stripe', provider_payment_id: paymentIntentId, status: 'succeeded', amount: 4500, amount_refunded: amountRefunded, currency: 'USD' };
  }

  async function refundRow(refundId: string): Promise<unknown> {
    return h.database.db('refunds').where({ provider: 'stripe', provider_refund_id: refundId }).first('status', 'amount', 'currency');
  }

  function expectAllProcessed(rows: Record<string, FinishedRow>): void {
    for (const [name, row] of Object.entries(rows)) expect(row.status, `${name}: ${row.last_error}`).to.equal('processed');
  }

  describe('partial refunds', () => {
    for (const order of bothOrders('re_1', 're_2')) {
      it(`1500 and 3000 of 4500 are refunded: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentIntentId } = await paidRegistration();
        const firstRefundId = uniqueId('re');
        const secondRefundId = uniqueId('re');

        const rows = await deliverInOrder(h, order, {
          re_1: refund('refund.updated', firstRefundId, paymentIntentId, 1500, 'succeeded'),
          re_2: refund('refund.updated', secondRefundId, paymentIntentId, 3000, 'succeeded'),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('refunded');
        expect(registration.amount_paid).to.equal(4500);
        expect(registration.amount_refunded).to.equal(4500);
        expect(registration.payments).to.deep.equal([paymentEntry(paymentIntentId, 4500)]);
      });
    }

    it('1500 and 3000 racing are refunded', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();

      const rows = await deliverTogether(h, {
        re_1: refund('refund.updated', uniqueId('re'), paymentIntentId, 1500, 'succeeded'),
        re_2: refund('refund.updated', uniqueId('re'), paymentIntentId, 3000, 'succeeded'),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('refunded');
      expect(registration.amount_refunded).to.equal(4500);
    });

    it('one 1500 refund stays confirmed', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();
      const refundId = uniqueId('re');

      const rows = await deliverInOrder(h, ['re_1'], { re_1: refund('refund.updated', refundId, paymentIntentId, 1500, 'succeeded') });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_paid).to.equal(4500);
      expect(registration.amount_refunded).to.equal(1500);
      expect(registration.payments).to.deep.equal([paymentEntry(paymentIntentId, 1500)]);
      expect(await refundRow(refundId)).to.deep.equal({ status: 'succeeded', amount: 1500, currency: 'USD' });
    });

    it('pending refund counts nothing', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();

      const rows = await deliverInOrder(h, ['created'], { created: refund('refund.created', uniqueId('re'), paymentIntentId, 4500, 'pending') });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_refunded).to.equal(0);
    });
  });

  describe('repeated refund events', () => {
    it('same refund.updated twice counts once', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();
      const refundId = uniqueId('re');

      const rows = await deliverInOrder(h, ['first', 'second'], {
        first: refund('refund.updated', refundId, paymentIntentId, 1500, 'succeeded'),
        second: refund('refund.updated', refundId, paymentIntentId, 1500, 'succeeded'),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_refunded).to.equal(1500);
      expect(registration.payments).to.deep.equal([paymentEntry(paymentIntentId, 1500)]);
      expect(await h.database.db('refunds').where({ provider_refund_id: refundId }).count<{ count: number }[]>({ count: '*' })).to.deep.equal([{ count: 1 }]);
    });

    it('same refund.updated racing counts once', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();
      const refundId = uniqueId('re');

      const rows = await deliverTogether(h, {
        first: refund('refund.updated', refundId, paymentIntentId, 1500, 'succeeded'),
        second: refund('refund.updated', refundId, paymentIntentId, 1500, 'succeeded'),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.amount_refunded).to.equal(1500);
    });

    for (const order of bothOrders('created', 'updated')) {
      it(`pending and succeeded end succeeded: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentIntentId } = await paidRegistration();
        const refundId = uniqueId('re');

        const rows = await deliverInOrder(h, order, {
          created: refund('refund.created', refundId, paymentIntentId, 4500, 'pending'),
          updated: refund('refund.updated', refundId, paymentIntentId, 4500, 'succeeded'),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('refunded');
        expect(registration.amount_refunded).to.equal(4500);
        expect(await refundRow(refundId)).to.deep.equal({ status: 'succeeded', amount: 4500, currency: 'USD' });
      });
    }

    for (const order of bothOrders('succeeded', 'failed')) {
      it(`refund.failed removes it from the sum: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentIntentId } = await paidRegistration();
        const refundId = uniqueId('re');

        const rows = await deliverInOrder(h, order, {
          succeeded: refund('refund.updated', refundId, paymentIntentId, 4500, 'succeeded'),
          failed: refund('refund.failed', refundId, paymentIntentId, 4500, 'failed'),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(4500);
        expect(registration.amount_refunded).to.equal(0);
        expect(registration.payments).to.deep.equal([paymentEntry(paymentIntentId, 0)]);
        expect(await refundRow(refundId)).to.deep.equal({ status: 'failed', amount: 4500, currency: 'USD' });
      });
    }

    it('refund.failed keeps the other refund', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();
      const otherRefundId = uniqueId('re');
      const failedRefundId = uniqueId('re');

      const rows = await deliverInOrder(h, ['other', 'succeeded', 'failed'], {
        other: refund('refund.updated', otherRefundId, paymentIntentId, 1500, 'succeeded'),
        succeeded: refund('refund.updated', failedRefundId, paymentIntentId, 3000, 'succeeded'),
        failed: refund('refund.failed', failedRefundId, paymentIntentId, 3000, 'failed'),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_refunded).to.equal(1500);
    });
  });

  describe('charge.refunded totals', () => {
    for (const order of bothOrders('refund', 'charge')) {
      it(`refund 4500 and charge total 4500 give 4500: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentIntentId } = await paidRegistration();

        const rows = await deliverInOrder(h, order, {
          refund: refund('refund.updated', uniqueId('re'), paymentIntentId, 4500, 'succeeded'),
          charge: chargeRefunded(paymentIntentId, 4500, 1767830402),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('refunded');
        expect(registration.amount_refunded).to.equal(4500);
        expect(registration.payments).to.deep.equal([paymentEntry(paymentIntentId, 4500)]);
      });
    }

    it('refund 4500 and charge total 4500 racing give 4500', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();

      const rows = await deliverTogether(h, {
        refund: refund('refund.updated', uniqueId('re'), paymentIntentId, 4500, 'succeeded'),
        charge: chargeRefunded(paymentIntentId, 4500, 1767830402),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.amount_refunded).to.equal(4500);
    });

    for (const order of bothOrders('total_1500', 'total_4500')) {
      it(`cumulative totals 1500 and 4500 give 4500: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentIntentId } = await paidRegistration();

        const rows = await deliverInOrder(h, order, {
          total_1500: chargeRefunded(paymentIntentId, 1500, 1767830402),
          total_4500: chargeRefunded(paymentIntentId, 4500, 1767830502),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('refunded');
        expect(registration.amount_refunded).to.equal(4500);
        expect(registration.payments).to.deep.equal([paymentEntry(paymentIntentId, 4500)]);
      });
    }

    for (const order of bothOrders('total_1500', 'total_4500')) {
      it(`cumulative totals in one second give 4500: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentIntentId } = await paidRegistration();

        await deliverInOrder(h, order, {
          total_1500: chargeRefunded(paymentIntentId, 1500, 1767830402),
          total_4500: chargeRefunded(paymentIntentId, 4500, 1767830402),
        });

        const registration = await getRegistration(h, registrationId);
        expect(registration.amount_refunded).to.equal(4500);
      });
    }

    const permutations = [
      ['succeeded', 'charge', 'failed'],
      ['succeeded', 'failed', 'charge'],
      ['charge', 'succeeded', 'failed'],
      ['charge', 'failed', 'succeeded'],
      ['failed', 'succeeded', 'charge'],
      ['failed', 'charge', 'succeeded'],
    ];
    for (const order of permutations) {
      it(`refund failed after charge total counts 0: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentIntentId } = await paidRegistration();
        const refundId = uniqueId('re');

        const rows = await deliverInOrder(h, order, {
          succeeded: () => postStripeEvent(h, webhookPath, stripeRefund({ type: 'refund.updated', refundId, paymentIntentId, amount: 4500, status: 'succeeded', created: 1767830400 })),
          charge: chargeRefunded(paymentIntentId, 4500, 1767830500),
          failed: () => postStripeEvent(h, webhookPath, stripeRefund({ type: 'refund.failed', refundId, paymentIntentId, amount: 4500, status: 'failed', created: 1767830600 })),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_refunded).to.equal(0);
        expect(await refundRow(refundId)).to.deep.equal({ status: 'failed', amount: 4500, currency: 'USD' });
      });
    }

    it('newer charge total after a failure counts it once', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();
      const refundId = uniqueId('re');

      const rows = await deliverInOrder(h, ['failed', 'charge_before', 'charge_after'], {
        charge_before: chargeRefunded(paymentIntentId, 4500, 1767830500),
        failed: () => postStripeEvent(h, webhookPath, stripeRefund({ type: 'refund.failed', refundId, paymentIntentId, amount: 4500, status: 'failed', created: 1767830600 })),
        charge_after: chargeRefunded(paymentIntentId, 0, 1767830700),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_refunded).to.equal(0);
    });

    it('charge totals and both refunds give 4500', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();
      const firstRefundId = uniqueId('re');
      const secondRefundId = uniqueId('re');

      const rows = await deliverInOrder(h, ['re_1', 'total_1500', 're_2', 'total_4500'], {
        re_1: refund('refund.updated', firstRefundId, paymentIntentId, 1500, 'succeeded'),
        total_1500: chargeRefunded(paymentIntentId, 1500, 1767830402),
        re_2: refund('refund.updated', secondRefundId, paymentIntentId, 3000, 'succeeded'),
        total_4500: chargeRefunded(paymentIntentId, 4500, 1767830502),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('refunded');
      expect(registration.amount_refunded).to.equal(4500);
    });

    for (const order of bothOrders('charge', 'refund')) {
      it(`listed refunds and refund.updated count once: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentIntentId } = await paidRegistration();
        const firstRefundId = uniqueId('re');
        const secondRefundId = uniqueId('re');
        const listed = [
          { id: firstRefundId, amount: 1500, status: 'succeeded' },
          { id: secondRefundId, amount: 3000, status: 'succeeded' },
        ];

        const rows = await deliverInOrder(h, order, {
          charge: () => postStripeEvent(h, webhookPath, stripeChargeRefunded({ paymentIntentId, amountRefunded: 4500, created: 1767830402, refunds: listed })),
          refund: refund('refund.updated', firstRefundId, paymentIntentId, 1500, 'succeeded'),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('refunded');
        expect(registration.amount_refunded).to.equal(4500);
        expect(await refundRow(firstRefundId)).to.deep.equal({ status: 'succeeded', amount: 1500, currency: 'USD' });
        expect(await refundRow(secondRefundId)).to.deep.equal({ status: 'succeeded', amount: 3000, currency: 'USD' });
      });
    }

    it('partial charge total stays confirmed', async () => {
      const { registrationId, paymentIntentId } = await paidRegistration();

      const rows = await deliverInOrder(h, ['total_1500'], { total_1500: chargeRefunded(paymentIntentId, 1500, 1767830402) });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_refunded).to.equal(1500);
    });
  });

  describe('refund before its payment', () => {
    it('refund.updated waits, then applies', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');
      const refundId = uniqueId('re');

      const refundEventId = await postStripeEvent(h, webhookPath, stripeRefund({ type: 'refund.updated', refundId, paymentIntentId, amount: 4500, status: 'succeeded' }));
      const waiting = await waitUntilWaitingForPayment(h, refundEventId);
      expect(waiting.status).to.equal('queued');
      expect(waiting.last_error).to.include(paymentIntentId);
      expect(await refundRow(refundId)).to.equal(undefined);

      const paymentRow = await waitUntilFinished(h, await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 })));
      expect(paymentRow.status).to.equal('processed');
      const refundRowAfter = await waitUntilFinished(h, refundEventId);
      expect(refundRowAfter.status).to.equal('processed');
      expect(refundRowAfter.last_error).to.equal(null);

      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('refunded');
      expect(registration.amount_paid).to.equal(4500);
      expect(registration.amount_refunded).to.equal(4500);
      expect(registration.payments).to.deep.equal([paymentEntry(paymentIntentId, 4500)]);
      expect(await refundRow(refundId)).to.deep.equal({ status: 'succeeded', amount: 4500, currency: 'USD' });
    });

    it('charge.refunded waits, then applies', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');

      const chargeEventId = await chargeRefunded(paymentIntentId, 4500, 1767830402)();
      const waiting = await waitUntilWaitingForPayment(h, chargeEventId);
      expect(waiting.last_error).to.include(paymentIntentId);

      await waitUntilFinished(h, await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 })));
      const chargeRow = await waitUntilFinished(h, chargeEventId);
      expect(chargeRow.status).to.equal('processed');

      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('refunded');
      expect(registration.amount_refunded).to.equal(4500);
    });
  });
});
