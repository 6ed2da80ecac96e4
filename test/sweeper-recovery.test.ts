import { expect } from 'chai';
import { UnrecoverableError } from 'bullmq';
import { scheduleMaintenance } from '../workers/maintenance-schedules.js';
import { requeueLostJobs } from '../workers/sweeper.js';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';
import { createRegistration, createStripeConnection, createTicketingEvent, stripePaymentSucceeded, uniqueId } from './helpers/processing.js';

/**
 * The sweeper's second pass, run directly with no worker pool, so each test
 * decides what state the row and its job are in.
 */
describe('sweeper recovery', () => {
  let h: Harness;
  let webhookPath: string;
  let eventId: string;

  before(async () => {
    h = await startHarness();
    eventId = await createTicketingEvent(h, { currency: 'USD' });
    webhookPath = await createStripeConnection(h);
  });

  after(async () => {
    await h.close();
  });

  /** Delivers a payment and returns its row id and job id. With no workers, the row stays `queued` and the job waiting. */
  async function queuedPayment(): Promise<{ webhookEventId: number; jobId: string }> {
    const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
    const response = await h.postStripe(webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId: uniqueId('pi'), amount: 4500 }));
    expect(response.status).to.equal(200);
    const row = await h.database.db('webhook_events').where({ id: response.body.webhook_event_id }).first<{ status: string; job_id: string }>('status', 'job_id');
    expect(row.status).to.equal('queued');
    // Backdated, so the row is old enough for the sweeper whatever the clock does during the test.
    await h.database.db('webhook_events').where({ id: response.body.webhook_event_id }).update({ updated_at: new Date(Date.now() - 60_000) });
    return { webhookEventId: response.body.webhook_event_id, jobId: row.job_id };
  }

  function requeue(): Promise<number> {
    return requeueLostJobs({ db: h.database.db, producer: h.services.producer, logger: h.logger, minAgeMs: 1000, enqueueTimeoutMs: 2000 });
  }

  it('leaves a row with a waiting job alone', async () => {
    const { jobId } = await queuedPayment();

    const count = await requeue();

    expect(count).to.equal(0);
    expect(await h.services.producer.queue('payments').getJobState(jobId)).to.equal('waiting');
  });

  it('enqueues a row whose job is gone', async () => {
    const { webhookEventId, jobId } = await queuedPayment();
    await h.services.producer.queue('payments').remove(jobId);

    const count = await requeue();

    expect(count).to.equal(1);
    const job = await h.services.producer.queue('payments').getJob(jobId);
    expect(job?.data.webhookEventId).to.equal(webhookEventId);
    expect(await job?.getState()).to.equal('waiting');
  });

  it('retries a failed job whose row is not failed', async () => {
    const { jobId } = await queuedPayment();
    // A bare worker that fails the job without touching the row, as a failure Postgres could not record does.
    const failing = new h.services.backend.Worker(
      'payments',
      async () => {
        throw new UnrecoverableError('failed while the database was unreachable');
      },
      { ...h.services.backend.workerOptions(), autorun: true },
    );
    try {
      await waitFor(async () => ((await h.services.producer.queue('payments').getJobState(jobId)) === 'failed' ? true : undefined), 10_000, `job ${jobId} to fail`);
    } finally {
      await failing.close();
    }

    const count = await requeue();

    expect(count).to.be.at.least(1);
    expect(await h.services.producer.queue('payments').getJobState(jobId)).to.equal('waiting');
  });

  it('adds back a scheduler removed from Redis', async () => {
    const queue = h.services.producer.queue('maintenance');
    const name = `test-schedule-${uniqueId('s')}`;
    const schedules = await scheduleMaintenance(queue, [{ name, everyMs: 60_000 }], 100, h.logger);
    try {
      expect(await queue.getJobScheduler(name)).to.not.equal(undefined);
      await queue.removeJobScheduler(name);

      const restored = await waitFor(async () => queue.getJobScheduler(name), 5000, `scheduler ${name} to come back`);

      expect(restored.every).to.equal(60_000);
    } finally {
      schedules.stop();
      await queue.removeJobScheduler(name);
    }
  });
});
