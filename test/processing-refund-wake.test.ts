import { expect } from 'chai';
import type { Provider } from '../src/domain/events.js';
import { webhookJobId } from '../src/queues/job-id.js';
import { WAITING_REFUNDS_SQL } from '../workers/wake-waiting-refunds.js';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';
import {
  createRegistration,
  createStripeConnection,
  createTicketingEvent,
  getRegistration,
  postRazorpayEvent,
  postStripeEvent,
  razorpayPaymentCaptured,
  razorpayRefund,
  stripePaymentSucceeded,
  stripeRefund,
  uniqueId,
  waitUntilFinished,
} from './helpers/processing.js';

/**
 * A refund that outruns its payment is delayed. These tests make the delay a
 * minute, so a refund only finishes within the test's wait if the payment
 * woke it up.
 */
const WAIT_MS = '60000';

describe('refunds woken by their payment', () => {
  let h: Harness;
  let usdEventId: string;
  let inrEventId: string;
  let webhookPath: string;

  before(async () => {
    h = await startHarness({ workers: true, env: { REFUND_WAIT_BASE_MS: WAIT_MS, REFUND_WAIT_MAX_MS: WAIT_MS } });
    usdEventId = await createTicketingEvent(h, { currency: 'USD' });
    inrEventId = await createTicketingEvent(h, { currency: 'INR', razorpay: true });
    webhookPath = await createStripeConnection(h);
  });
  after(async () => {
    await h.close();
  });

  /** Waits until the refund's BullMQ job is delayed, which is when it waits for its payment. */
  async function waitUntilDelayed(webhookEventId: number): Promise<void> {
    const row = await h.database.db('webhook_events').where({ id: webhookEventId }).first<{ provider: Provider; source_key: string; provider_event_id: string }>('provider', 'source_key', 'provider_event_id');
    const jobId = webhookJobId(row.provider, row.source_key, row.provider_event_id);
    await waitFor(async () => ((await h.services.producer.queue('refunds').getJobState(jobId)) === 'delayed' ? true : undefined), 10_000, `job ${jobId} to be delayed`);
  }

  it('runs a waiting Stripe refund once its payment lands', async () => {
    const registrationId = await createRegistration(h, usdEventId, { amount_due: 4500, currency: 'USD' });
    const paymentIntentId = uniqueId('pi');
    const refundEventId = await postStripeEvent(h, webhookPath, stripeRefund({ type: 'refund.updated', refundId: uniqueId('re'), paymentIntentId, amount: 4500, status: 'succeeded' }));
    await waitUntilDelayed(refundEventId);

    await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 }));
    const refundRow = await waitUntilFinished(h, refundEventId);

    expect(refundRow.status).to.equal('processed');
    expect(refundRow.attempts).to.equal(2);
    const registration = await getRegistration(h, registrationId);
    expect(registration.status).to.equal('refunded');
    expect(registration.amount_paid).to.equal(4500);
    expect(registration.amount_refunded).to.equal(4500);
  });

  it('runs two waiting partial refunds once', async () => {
    const registrationId = await createRegistration(h, usdEventId, { amount_due: 4500, currency: 'USD' });
    const paymentIntentId = uniqueId('pi');
    const refundEventIds = [
      await postStripeEvent(h, webhookPath, stripeRefund({ type: 'refund.created', refundId: uniqueId('re'), paymentIntentId, amount: 1500, status: 'succeeded' })),
      await postStripeEvent(h, webhookPath, stripeRefund({ type: 'refund.created', refundId: uniqueId('re'), paymentIntentId, amount: 1000, status: 'succeeded' })),
    ];
    for (const id of refundEventIds) await waitUntilDelayed(id);

    await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 }));
    for (const id of refundEventIds) expect((await waitUntilFinished(h, id)).status).to.equal('processed');

    const registration = await getRegistration(h, registrationId);
    expect(registration.status).to.equal('confirmed');
    expect(registration.amount_paid).to.equal(4500);
    expect(registration.amount_refunded).to.equal(2500);
    const refunds = await h.database.db('refunds')
      .join('payments', 'payments.id', 'refunds.payment_id')
      .where('payments.provider_payment_id', paymentIntentId)
      .count<{ count: number }[]>({ count: '*' });
    expect(Number(refunds[0]?.count)).to.equal(2);
  });

  // With 100,000 rows and no statistics yet, a plain WHERE made the planner combine the status and organisation
  // indexes, which match every row here (20 ms per payment in a manual check).
  it('looks waiting refunds up by their own index among many queued rows', async () => {
    const db = h.database.db;
    await db.raw(
      `INSERT INTO webhook_events (organisation_id, provider, source_key, provider_event_id, type, status, body_bytes, waiting_for_payment_id)
       SELECT ?, 'stripe', 'connection:pc_PLANCHECK', 'evt_plan_' || n, 'refund.updated', CASE WHEN n % 4 = 0 THEN 'processed' ELSE 'queued' END, 100,
              CASE WHEN n % 200 = 0 THEN 'pi_plan_' || n END
       FROM generate_series(1, 100000) AS n`,
      [h.organisationId],
    );
    const plan = await db.raw<{ rows: { 'QUERY PLAN': string }[] }>(`EXPLAIN ${WAITING_REFUNDS_SQL}`, ['pi_plan', h.organisationId, 50]);
    const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).to.include('webhook_events_waiting_for_payment');
    expect(text).not.to.include('webhook_events_status_received_at_index');
    await db('webhook_events').where({ source_key: 'connection:pc_PLANCHECK' }).delete();
  });

  it('runs a waiting Razorpay refund once its payment lands', async () => {
    const registrationId = await createRegistration(h, inrEventId, { amount_due: 149900, currency: 'INR' });
    const paymentId = uniqueId('pay');
    const refundEventId = await postRazorpayEvent(h, inrEventId, razorpayRefund({ event: 'refund.processed', refundId: uniqueId('rfnd'), paymentId, amount: 50000, status: 'processed' }));
    await waitUntilDelayed(refundEventId);

    await postRazorpayEvent(h, inrEventId, razorpayPaymentCaptured({ event: 'payment.captured', paymentId, orderId: uniqueId('order'), registrationId, amount: 149900 }));
    const refundRow = await waitUntilFinished(h, refundEventId);

    expect(refundRow.status).to.equal('processed');
    const registration = await getRegistration(h, registrationId);
    expect(registration.status).to.equal('confirmed');
    expect(registration.amount_paid).to.equal(149900);
    expect(registration.amount_refunded).to.equal(50000);
  });
});
