import { expect } from 'chai';
import { startHarness, type Harness } from './helpers/harness.js';
import {
  bothOrders,
  createRegistration,
  createTicketingEvent,
  deliverInOrder,
  deliverTogether,
  getRegistration,
  postRazorpayEvent,
  razorpayPaymentCaptured,
  razorpayPaymentFailed,
  razorpayRefund,
  uniqueId,
  waitUntilFinished,
  waitUntilWaitingForPayment,
  type FinishedRow,
} from './helpers/processing.js';

describe('processing Razorpay payments and refunds', () => {
  let h: Harness;
  let eventId: string;

  before(async () => {
    h = await startHarness({ workers: true });
    eventId = await createTicketingEvent(h, { currency: 'INR', razorpay: true });
  });
  after(async () => {
    await h.close();
  });

  function captured(event: 'payment.captured' | 'order.paid', ids: { paymentId: string; orderId: string; registrationId: string | null }, amount = 149900) {
    return () => postRazorpayEvent(h, eventId, razorpayPaymentCaptured({ event, ...ids, amount }));
  }

  function failed(ids: { paymentId: string; orderId: string; registrationId: string | null }) {
    return () => postRazorpayEvent(h, eventId, razorpayPaymentFailed({ ...ids, amount: 149900 }));
  }

  function refund(event: string, refundId: string, paymentId: string, amount: number, status: string) {
    return () => postRazorpayEvent(h, eventId, razorpayRefund({ event, refundId, paymentId, amount, status }));
  }

  function paymentEntry(paymentId: string, status: string, amountRefunded = 0) {
    return { provider: 'razorpay', provider_payment_id: paymentId, status, amount: 149900, amount_refunded: amountRefunded, currency: 'INR' };
  }

  function expectAllProcessed(rows: Record<string, FinishedRow>): void {
    for (const [name, row] of Object.entries(rows)) expect(row.status, `${name}: ${row.last_error}`).to.equal('processed');
  }

  async function newRegistration(providerPaymentId?: string): Promise<string> {
    return createRegistration(h, eventId, { amount_due: 149900, currency: 'INR', ...(providerPaymentId === undefined ? {} : { provider_payment_id: providerPaymentId }) });
  }

  describe('payment.captured and order.paid', () => {
    for (const order of bothOrders('payment.captured', 'order.paid')) {
      it(`count one payment: ${order.join(' then ')}`, async () => {
        const registrationId = await newRegistration();
        const ids = { paymentId: uniqueId('pay'), orderId: uniqueId('order'), registrationId };

        const rows = await deliverInOrder(h, order, {
          'payment.captured': captured('payment.captured', ids),
          'order.paid': captured('order.paid', ids),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(149900);
        expect(registration.payments).to.deep.equal([paymentEntry(ids.paymentId, 'succeeded')]);
        const paymentRows = await h.database.db('payments').where({ provider: 'razorpay', provider_payment_id: ids.paymentId }).select('provider_order_id');
        expect(paymentRows).to.deep.equal([{ provider_order_id: ids.orderId }]);
      });
    }

    it('count one payment when racing', async () => {
      const registrationId = await newRegistration();
      const ids = { paymentId: uniqueId('pay'), orderId: uniqueId('order'), registrationId };

      const rows = await deliverTogether(h, {
        'payment.captured': captured('payment.captured', ids),
        'order.paid': captured('order.paid', ids),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.amount_paid).to.equal(149900);
      expect(registration.payments).to.deep.equal([paymentEntry(ids.paymentId, 'succeeded')]);
    });

    for (const order of bothOrders('payment.captured', 'order.paid')) {
      it(`empty notes link by order id: ${order.join(' then ')}`, async () => {
        const orderId = uniqueId('order');
        const registrationId = await newRegistration(orderId);
        const ids = { paymentId: uniqueId('pay'), orderId, registrationId: null };

        const rows = await deliverInOrder(h, order, {
          'payment.captured': captured('payment.captured', ids),
          'order.paid': captured('order.paid', ids),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(149900);
        expect(registration.provider_payment_id).to.equal(orderId);
        expect(registration.payments).to.deep.equal([paymentEntry(ids.paymentId, 'succeeded')]);
      });
    }

    it('empty notes and no known order fail', async () => {
      const ids = { paymentId: uniqueId('pay'), orderId: uniqueId('order'), registrationId: null };

      const rows = await deliverInOrder(h, ['payment.captured'], { 'payment.captured': captured('payment.captured', ids) });

      expect(rows['payment.captured']?.status).to.equal('failed');
      expect(rows['payment.captured']?.last_error).to.include('registration_not_found');
    });

    it('paise below amount_due is underpaid', async () => {
      const registrationId = await newRegistration();
      const ids = { paymentId: uniqueId('pay'), orderId: uniqueId('order'), registrationId };

      await deliverInOrder(h, ['payment.captured'], { 'payment.captured': captured('payment.captured', ids, 149899) });

      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('underpaid');
      expect(registration.amount_paid).to.equal(149899);
    });
  });

  describe('payment.failed', () => {
    for (const order of bothOrders('payment.failed', 'payment.captured')) {
      it(`and a captured retry is confirmed: ${order.join(' then ')}`, async () => {
        const registrationId = await newRegistration();
        const orderId = uniqueId('order');
        const failedPaymentId = uniqueId('pay');
        const capturedPaymentId = uniqueId('pay');

        const rows = await deliverInOrder(h, order, {
          'payment.failed': failed({ paymentId: failedPaymentId, orderId, registrationId }),
          'payment.captured': captured('payment.captured', { paymentId: capturedPaymentId, orderId, registrationId }),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.amount_paid).to.equal(149900);
        const statusById = Object.fromEntries(registration.payments.map((entry: { provider_payment_id: string; status: string }) => [entry.provider_payment_id, entry.status]));
        expect(statusById).to.deep.equal({ [failedPaymentId]: 'failed', [capturedPaymentId]: 'succeeded' });
      });
    }

    for (const order of bothOrders('payment.failed', 'payment.captured')) {
      it(`and capture of the same payment is confirmed: ${order.join(' then ')}`, async () => {
        const registrationId = await newRegistration();
        const ids = { paymentId: uniqueId('pay'), orderId: uniqueId('order'), registrationId };

        const rows = await deliverInOrder(h, order, {
          'payment.failed': failed(ids),
          'payment.captured': captured('payment.captured', ids),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('confirmed');
        expect(registration.payments).to.deep.equal([paymentEntry(ids.paymentId, 'succeeded')]);
      });
    }

    it('alone is payment_failed', async () => {
      const registrationId = await newRegistration();
      const ids = { paymentId: uniqueId('pay'), orderId: uniqueId('order'), registrationId };

      const rows = await deliverInOrder(h, ['payment.failed'], { 'payment.failed': failed(ids) });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('payment_failed');
      expect(registration.payments).to.deep.equal([paymentEntry(ids.paymentId, 'failed')]);
      const row = await h.database.db('payments').where({ provider_payment_id: ids.paymentId }).first('failure_code', 'failure_message');
      expect(row).to.deep.equal({ failure_code: 'payment_failed', failure_message: 'Issuer declined the payment (fixture text).' });
    });

    it('with empty notes links through an earlier payment of the order', async () => {
      const registrationId = await newRegistration();
      const orderId = uniqueId('order');
      const capturedPaymentId = uniqueId('pay');
      const failedPaymentId = uniqueId('pay');

      const rows = await deliverInOrder(h, ['payment.captured', 'payment.failed'], {
        'payment.captured': captured('payment.captured', { paymentId: capturedPaymentId, orderId, registrationId }),
        'payment.failed': failed({ paymentId: failedPaymentId, orderId, registrationId: null }),
      });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.payments.length).to.equal(2);
    });
  });

  describe('refunds', () => {
    async function paidRegistration(): Promise<{ registrationId: string; paymentId: string }> {
      const registrationId = await newRegistration();
      const paymentId = uniqueId('pay');
      const row = await waitUntilFinished(h, await captured('payment.captured', { paymentId, orderId: uniqueId('order'), registrationId })());
      if (row.status !== 'processed') throw new Error(`Payment was not processed: ${row.last_error}`);
      return { registrationId, paymentId };
    }

    it('refund.processed in full is refunded', async () => {
      const { registrationId, paymentId } = await paidRegistration();
      const refundId = uniqueId('rfnd');

      const rows = await deliverInOrder(h, ['refund.processed'], { 'refund.processed': refund('refund.processed', refundId, paymentId, 149900, 'processed') });

      expectAllProcessed(rows);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('refunded');
      expect(registration.amount_paid).to.equal(149900);
      expect(registration.amount_refunded).to.equal(149900);
      expect(registration.payments).to.deep.equal([paymentEntry(paymentId, 'succeeded', 149900)]);
      const row = await h.database.db('refunds').where({ provider: 'razorpay', provider_refund_id: refundId }).first('status', 'amount', 'currency');
      expect(row).to.deep.equal({ status: 'succeeded', amount: 149900, currency: 'INR' });
    });

    for (const order of bothOrders('refund.created', 'refund.processed')) {
      it(`created and processed are refunded once: ${order.join(' then ')}`, async () => {
        const { registrationId, paymentId } = await paidRegistration();
        const refundId = uniqueId('rfnd');

        const rows = await deliverInOrder(h, order, {
          'refund.created': refund('refund.created', refundId, paymentId, 149900, 'pending'),
          'refund.processed': refund('refund.processed', refundId, paymentId, 149900, 'processed'),
        });

        expectAllProcessed(rows);
        const registration = await getRegistration(h, registrationId);
        expect(registration.status).to.equal('refunded');
        expect(registration.amount_refunded).to.equal(149900);
      });
    }

    it('partial refund.processed stays confirmed', async () => {
      const { registrationId, paymentId } = await paidRegistration();

      await deliverInOrder(h, ['refund.processed'], { 'refund.processed': refund('refund.processed', uniqueId('rfnd'), paymentId, 50000, 'processed') });

      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_refunded).to.equal(50000);
    });

    it('refund.failed counts nothing', async () => {
      const { registrationId, paymentId } = await paidRegistration();

      await deliverInOrder(h, ['refund.failed'], { 'refund.failed': refund('refund.failed', uniqueId('rfnd'), paymentId, 149900, 'failed') });

      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_refunded).to.equal(0);
    });

    it('refund.processed before its payment waits, then applies', async () => {
      const registrationId = await newRegistration();
      const paymentId = uniqueId('pay');

      const refundEventId = await refund('refund.processed', uniqueId('rfnd'), paymentId, 149900, 'processed')();
      const waiting = await waitUntilWaitingForPayment(h, refundEventId);
      expect(waiting.last_error).to.include(paymentId);

      await waitUntilFinished(h, await captured('payment.captured', { paymentId, orderId: uniqueId('order'), registrationId })());
      const refundRow = await waitUntilFinished(h, refundEventId);
      expect(refundRow.status).to.equal('processed');

      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('refunded');
      expect(registration.amount_refunded).to.equal(149900);
    });
  });
});
