import { expect } from 'chai';
import type { Job } from 'bullmq';
import { newId } from '../src/crypto/ids.js';
import type { QueueName } from '../src/queues/names.js';
import { fixtureWith } from './helpers/fixtures.js';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';
import {
  createRegistration,
  createStripeConnection,
  createTicketingEvent,
  getRegistration,
  postStripeEvent,
  stripePaymentSucceeded,
  stripeRefund,
  uniqueId,
  waitUntilFinished,
} from './helpers/processing.js';

describe('processing guards', () => {
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

  describe('unknown registration', () => {
    it('payment for a missing registration fails the row', async () => {
      const missingRegistrationId = newId('reg');
      const paymentIntentId = uniqueId('pi');

      const response = await h.postStripe(webhookPath, stripePaymentSucceeded({ registrationId: missingRegistrationId, paymentIntentId, amount: 4500 }));
      expect(response.status).to.equal(200);
      const row = await waitUntilFinished(h, response.body.webhook_event_id);

      expect(row.status).to.equal('failed');
      expect(row.last_error).to.include('registration_not_found');
      expect(row.last_error).to.include(missingRegistrationId);
      expect(row.attempts).to.equal(1);
      expect(await h.database.db('payments').where({ provider_payment_id: paymentIntentId }).first()).to.equal(undefined);
    });

    it('payment without registration_id fails the row', async () => {
      const paymentIntentId = uniqueId('pi');
      const body = stripePaymentSucceeded({ registrationId: 'REMOVED', paymentIntentId, amount: 4500 });
      const withoutRegistration = Buffer.from(body.toString('utf8').replace('"registration_id": "REMOVED",', ''), 'utf8');

      const response = await h.postStripe(webhookPath, withoutRegistration);
      expect(response.status).to.equal(200);
      const row = await waitUntilFinished(h, response.body.webhook_event_id);

      expect(row.status).to.equal('failed');
      expect(row.last_error).to.include('registration_not_found');
    });

    it('malformed registration_id fails the row', async () => {
      const response = await h.postStripe(webhookPath, stripePaymentSucceeded({ registrationId: 'not a registration', paymentIntentId: uniqueId('pi'), amount: 4500 }));
      expect(response.status).to.equal(200);
      const row = await waitUntilFinished(h, response.body.webhook_event_id);

      expect(row.status).to.equal('failed');
      expect(row.last_error).to.include('registration_not_found');
    });
  });

  describe('malformed stored events', () => {
    it('payment_intent.succeeded without amount fails the row', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const body = fixtureWith('stripe.payment_intent.succeeded.json', {
        evt_3RfxT0Kq8ZbW2mNa1pQ8rS9t: uniqueId('evt'),
        reg_01JF8T4K2M9QZ: registrationId,
        pi_3RfxT0Kq8ZbW2mNa1cD4eF5g: uniqueId('pi'),
        '"amount": 4500,': '',
      });

      const response = await h.postStripe(webhookPath, body);
      expect(response.status).to.equal(200);
      const row = await waitUntilFinished(h, response.body.webhook_event_id);

      expect(row.status).to.equal('failed');
      expect(row.last_error).to.include('malformed_event');
      expect(row.last_error).to.include('amount');
      expect(row.attempts).to.equal(1);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('pending_payment');
      expect(registration.payments).to.deep.equal([]);
    });

    it('refund without payment_intent fails the row', async () => {
      const body = stripeRefund({ type: 'refund.updated', refundId: uniqueId('re'), paymentIntentId: 'REMOVED', amount: 4500, status: 'succeeded' });
      const withoutIntent = Buffer.from(body.toString('utf8').replace('"payment_intent": "REMOVED",', ''), 'utf8');

      const response = await h.postStripe(webhookPath, withoutIntent);
      expect(response.status).to.equal(200);
      const row = await waitUntilFinished(h, response.body.webhook_event_id);

      expect(row.status).to.equal('failed');
      expect(row.last_error).to.include('malformed_event');
      expect(row.last_error).to.include('payment_intent');
    });

    it('negative amount fails the row', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });

      const response = await h.postStripe(webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId: uniqueId('pi'), amount: -4500 }));
      expect(response.status).to.equal(200);
      const row = await waitUntilFinished(h, response.body.webhook_event_id);

      expect(row.status).to.equal('failed');
      expect(row.last_error).to.include('malformed_event');
      const registration = await getRegistration(h, registrationId);
      expect(registration.amount_paid).to.equal(0);
    });
  });

  describe('replayed jobs', () => {
    /** Adds a job for an existing webhook log row under a new job id and waits for BullMQ to finish it. */
    async function replay(queue: QueueName, webhookEventId: number): Promise<Job> {
      const jobId = `replay-${uniqueId('job')}`;
      await h.services.producer.enqueue(queue, jobId, { webhookEventId }, 2000);
      return waitFor(
        async () => {
          const queueOfJob = h.services.producer.queue(queue);
          const state = await queueOfJob.getJobState(jobId);
          // The job is read after its state is final; a copy read before could lack the return value.
          return state === 'completed' || state === 'failed' ? queueOfJob.getJob(jobId) : undefined;
        },
        10_000,
        `replayed job ${jobId}`,
      );
    }

    it('processed payment replay changes nothing', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');
      const webhookEventId = await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 }));
      const first = await waitUntilFinished(h, webhookEventId);
      expect(first.status).to.equal('processed');
      const before = await getRegistration(h, registrationId);
      const paymentBefore = await h.database.db('payments').where({ provider_payment_id: paymentIntentId }).first('updated_at');

      const job = await replay('payments', webhookEventId);

      expect(job.returnvalue).to.equal('skipped');
      const after = await getRegistration(h, registrationId);
      expect(after.updated_at).to.equal(before.updated_at);
      expect(after.status).to.equal('confirmed');
      expect(after.amount_paid).to.equal(4500);
      expect(after.payments).to.deep.equal(before.payments);
      expect(after.payments.length).to.equal(1);
      const paymentAfter = await h.database.db('payments').where({ provider_payment_id: paymentIntentId }).first('updated_at');
      expect(paymentAfter).to.deep.equal(paymentBefore);
      const row = await h.database.db('webhook_events').where({ id: webhookEventId }).first('status', 'attempts');
      expect(row).to.deep.equal({ status: 'processed', attempts: 1 });
    });

    it('processed refund replay changes nothing', async () => {
      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
      const paymentIntentId = uniqueId('pi');
      await waitUntilFinished(h, await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 })));
      const refundEventId = await postStripeEvent(h, webhookPath, stripeRefund({ type: 'refund.updated', refundId: uniqueId('re'), paymentIntentId, amount: 1500, status: 'succeeded' }));
      await waitUntilFinished(h, refundEventId);
      const before = await getRegistration(h, registrationId);

      const job = await replay('refunds', refundEventId);

      expect(job.returnvalue).to.equal('skipped');
      const after = await getRegistration(h, registrationId);
      expect(after.updated_at).to.equal(before.updated_at);
      expect(after.amount_refunded).to.equal(1500);
      expect(after.status).to.equal('confirmed');
    });
  });
});
