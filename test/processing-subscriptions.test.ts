import { expect } from 'chai';
import { startHarness, type Harness } from './helpers/harness.js';
import {
  bothOrders,
  createStripeConnection,
  createTicketingEvent,
  deliverInOrder,
  postRazorpayEvent,
  postStripeEvent,
  razorpaySubscription,
  stripeInvoice,
  stripeSubscription,
  uniqueId,
  type FinishedRow,
} from './helpers/processing.js';

/** Unix seconds as the API returns a timestamp: an ISO 8601 string in UTC. */
function isoFromUnix(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

describe('processing subscriptions', () => {
  let h: Harness;
  let webhookPath: string;
  let razorpayEventId: string;

  before(async () => {
    h = await startHarness({ workers: true });
    webhookPath = await createStripeConnection(h);
    razorpayEventId = await createTicketingEvent(h, { currency: 'INR', razorpay: true });
  });
  after(async () => {
    await h.close();
  });

  async function getSubscription(provider: string, id: string): Promise<{ status: number; body: any }> {
    return h.api('GET', `/api/v1/subscriptions/${provider}/${id}`);
  }

  function expectAllProcessed(rows: Record<string, FinishedRow>): void {
    for (const [name, row] of Object.entries(rows)) expect(row.status, `${name}: ${row.last_error}`).to.equal('processed');
  }

  function stripeEvent(p: Parameters<typeof stripeSubscription>[0]) {
    return () => postStripeEvent(h, webhookPath, stripeSubscription(p));
  }

  describe('Stripe customer.subscription.*', () => {
    it('GET returns the applied state', async () => {
      const subscriptionId = uniqueId('sub');

      const rows = await deliverInOrder(h, ['updated'], {
        updated: stripeEvent({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 }),
      });

      expectAllProcessed(rows);
      const response = await getSubscription('stripe', subscriptionId);
      expect(response.status).to.equal(200);
      expect(response.body.provider).to.equal('stripe');
      expect(response.body.provider_subscription_id).to.equal(subscriptionId);
      expect(response.body.status).to.equal('active');
      expect(response.body.plan).to.equal('price_1RhB8xKq8ZbW2mNaPassYr26');
      expect(response.body.current_period_end).to.equal(isoFromUnix(1798761700));
      expect(response.body.cancel_at_period_end).to.equal(true);
      expect(response.body.latest_invoice_status).to.equal(null);
    });

    for (const order of bothOrders('newer', 'older')) {
      it(`older updated changes nothing: ${order.join(' then ')}`, async () => {
        const subscriptionId = uniqueId('sub');

        const rows = await deliverInOrder(h, order, {
          newer: stripeEvent({
            type: 'customer.subscription.updated',
            subscriptionId,
            status: 'past_due',
            created: 1768003300,
            cancelAtPeriodEnd: false,
            currentPeriodEnd: 1830297700,
            priceId: 'price_newer',
          }),
          older: stripeEvent({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 }),
        });

        expectAllProcessed(rows);
        const response = await getSubscription('stripe', subscriptionId);
        expect(response.body.status).to.equal('past_due');
        expect(response.body.plan).to.equal('price_newer');
        expect(response.body.current_period_end).to.equal(isoFromUnix(1830297700));
        expect(response.body.cancel_at_period_end).to.equal(false);
      });
    }

    for (const order of bothOrders('deleted', 'older_updated')) {
      it(`deleted stays canceled: ${order.join(' then ')}`, async () => {
        const subscriptionId = uniqueId('sub');

        const rows = await deliverInOrder(h, order, {
          deleted: stripeEvent({ type: 'customer.subscription.deleted', subscriptionId, status: 'canceled', created: 1798761800 }),
          older_updated: stripeEvent({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 }),
        });

        expectAllProcessed(rows);
        const response = await getSubscription('stripe', subscriptionId);
        expect(response.body.status).to.equal('canceled');
      });
    }

    it('deleted is canceled whatever status it carries', async () => {
      const subscriptionId = uniqueId('sub');

      await deliverInOrder(h, ['deleted'], {
        deleted: stripeEvent({ type: 'customer.subscription.deleted', subscriptionId, status: 'active', created: 1798761800 }),
      });

      const response = await getSubscription('stripe', subscriptionId);
      expect(response.body.status).to.equal('canceled');
    });

    for (const order of bothOrders('deleted', 'updated')) {
      it(`same second keeps canceled: ${order.join(' then ')}`, async () => {
        const subscriptionId = uniqueId('sub');

        await deliverInOrder(h, order, {
          deleted: stripeEvent({ type: 'customer.subscription.deleted', subscriptionId, status: 'canceled', created: 1768003205 }),
          updated: stripeEvent({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 }),
        });

        const response = await getSubscription('stripe', subscriptionId);
        expect(response.body.status).to.equal('canceled');
      });
    }

    it('newer updated after deleted reopens it', async () => {
      const subscriptionId = uniqueId('sub');

      await deliverInOrder(h, ['deleted', 'newer'], {
        deleted: stripeEvent({ type: 'customer.subscription.deleted', subscriptionId, status: 'canceled', created: 1768003205 }),
        newer: stripeEvent({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003300 }),
      });

      const response = await getSubscription('stripe', subscriptionId);
      expect(response.body.status).to.equal('active');
    });

    it('unknown subscription is 404', async () => {
      const response = await getSubscription('stripe', uniqueId('sub'));
      expect(response.status).to.equal(404);
      expect(response.body.error.code).to.equal('not_found');
    });

    it('unknown provider is 400', async () => {
      const response = await getSubscription('paypal', uniqueId('sub'));
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('invalid_request');
    });
  });

  describe('Stripe invoices', () => {
    function invoice(type: 'invoice.paid' | 'invoice.payment_failed', subscriptionId: string, created: number) {
      return () => postStripeEvent(h, webhookPath, stripeInvoice({ type, invoiceId: uniqueId('in'), subscriptionId, created }));
    }

    it('invoice.paid records latest_invoice_status', async () => {
      const subscriptionId = uniqueId('sub');

      const rows = await deliverInOrder(h, ['updated', 'paid'], {
        updated: stripeEvent({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 }),
        paid: invoice('invoice.paid', subscriptionId, 1798761760),
      });

      expectAllProcessed(rows);
      const response = await getSubscription('stripe', subscriptionId);
      expect(response.body.latest_invoice_status).to.equal('paid');
      expect(response.body.status).to.equal('active');
    });

    it('invoice before any subscription event has no status', async () => {
      const subscriptionId = uniqueId('sub');

      const rows = await deliverInOrder(h, ['paid'], { paid: invoice('invoice.paid', subscriptionId, 1798761760) });

      expectAllProcessed(rows);
      const response = await getSubscription('stripe', subscriptionId);
      expect(response.status).to.equal(200);
      expect(response.body.status).to.equal(null);
      expect(response.body.latest_invoice_status).to.equal('paid');
    });

    it('invoice stays when a subscription event follows', async () => {
      const subscriptionId = uniqueId('sub');

      await deliverInOrder(h, ['paid', 'updated'], {
        paid: invoice('invoice.paid', subscriptionId, 1798761760),
        updated: stripeEvent({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 }),
      });

      const response = await getSubscription('stripe', subscriptionId);
      expect(response.body.status).to.equal('active');
      expect(response.body.latest_invoice_status).to.equal('paid');
    });

    for (const order of bothOrders('older_failed', 'newer_paid')) {
      it(`newest invoice wins: ${order.join(' then ')}`, async () => {
        const subscriptionId = uniqueId('sub');

        await deliverInOrder(h, order, {
          older_failed: invoice('invoice.payment_failed', subscriptionId, 1798761700),
          newer_paid: invoice('invoice.paid', subscriptionId, 1798761760),
        });

        const response = await getSubscription('stripe', subscriptionId);
        expect(response.body.latest_invoice_status).to.equal('paid');
      });
    }

    it('invoice.payment_failed leaves status alone', async () => {
      const subscriptionId = uniqueId('sub');

      await deliverInOrder(h, ['updated', 'failed'], {
        updated: stripeEvent({ type: 'customer.subscription.updated', subscriptionId, status: 'active', created: 1768003205 }),
        failed: invoice('invoice.payment_failed', subscriptionId, 1798761760),
      });

      const response = await getSubscription('stripe', subscriptionId);
      expect(response.body.status).to.equal('active');
      expect(response.body.latest_invoice_status).to.equal('payment_failed');
    });
  });

  describe('Razorpay subscription.*', () => {
    function razorpayEvent(p: Parameters<typeof razorpaySubscription>[0]) {
      return () => postRazorpayEvent(h, razorpayEventId, razorpaySubscription(p));
    }

    it('GET returns the applied state', async () => {
      const subscriptionId = uniqueId('sub');

      const rows = await deliverInOrder(h, ['updated'], {
        updated: razorpayEvent({ event: 'subscription.updated', subscriptionId, status: 'active', createdAt: 1768003205 }),
      });

      expectAllProcessed(rows);
      const response = await getSubscription('razorpay', subscriptionId);
      expect(response.status).to.equal(200);
      expect(response.body.status).to.equal('active');
      expect(response.body.plan).to.equal('plan_Q0N5oW1yTd5OfC');
      expect(response.body.current_period_end).to.equal(isoFromUnix(1769904100));
      expect(response.body.cancel_at_period_end).to.equal(false);
    });

    for (const order of bothOrders('halted', 'older_activated')) {
      it(`halted stays after older activated: ${order.join(' then ')}`, async () => {
        const subscriptionId = uniqueId('sub');

        const rows = await deliverInOrder(h, order, {
          halted: razorpayEvent({ event: 'subscription.halted', subscriptionId, status: 'halted', createdAt: 1772323400, currentEnd: 1772323300 }),
          older_activated: razorpayEvent({ event: 'subscription.activated', subscriptionId, status: 'active', createdAt: 1767225700 }),
        });

        expectAllProcessed(rows);
        const response = await getSubscription('razorpay', subscriptionId);
        expect(response.body.status).to.equal('halted');
        expect(response.body.current_period_end).to.equal(isoFromUnix(1772323300));
      });
    }

    for (const order of bothOrders('cancelled', 'older_charged')) {
      it(`cancelled stays after older charged: ${order.join(' then ')}`, async () => {
        const subscriptionId = uniqueId('sub');

        await deliverInOrder(h, order, {
          cancelled: razorpayEvent({ event: 'subscription.cancelled', subscriptionId, status: 'cancelled', createdAt: 1772323400 }),
          older_charged: razorpayEvent({ event: 'subscription.charged', subscriptionId, status: 'active', createdAt: 1769904170 }),
        });

        const response = await getSubscription('razorpay', subscriptionId);
        expect(response.body.status).to.equal('cancelled');
      });
    }
  });
});
