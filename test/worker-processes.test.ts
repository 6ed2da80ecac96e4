import { expect } from 'chai';
import type { Knex } from 'knex';
import { fixtureWith } from './helpers/fixtures.js';
import { STRIPE_SECRET, startHarness, waitFor, waitForWebhookStatus, type Harness } from './helpers/harness.js';
import { webhookJobId } from '../src/queues/job-id.js';
import { spawnService, type ServiceProcess } from './helpers/processes.js';

/**
 * These tests run the real worker entry point as a child process. A test
 * holds a row lock on the registration so the job blocks inside its
 * transaction, which makes "mid-job" a state the test controls, not a race.
 */
describe('worker process', () => {
  let h: Harness;
  let connectionId: string;
  let eventId: string;
  const running: ServiceProcess[] = [];

  before(async () => {
    h = await startHarness();
    const event = await h.api('POST', '/api/v1/events', { name: 'Crash test conf', currency: 'USD' });
    eventId = event.body.id;
    const connection = await h.api('POST', '/api/v1/payment-connections', { provider: 'stripe', webhook_secrets: [STRIPE_SECRET], livemode: false });
    connectionId = connection.body.id;
  });

  afterEach(() => {
    for (const service of running.splice(0)) if (service.child.exitCode === null) service.child.kill('SIGKILL');
  });

  after(async () => {
    await h.close();
  });

  async function startWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const worker = spawnService('workers/index.js', { ...h.env, LOG_LEVEL: 'info', ...env });
    running.push(worker);
    await worker.waitForOutput(/workers started/);
    return worker;
  }

  /** Creates a registration, locks its row, and posts its payment; returns once the job is blocked mid-transaction. */
  async function postBlockedPayment(tag: string): Promise<{ registrationId: string; webhookEventId: number; lock: Knex.Transaction }> {
    const registration = await h.api('POST', `/api/v1/events/${eventId}/registrations`, { email: `${tag}@example.com`, name: tag, amount_due: 4500, currency: 'USD' });
    const registrationId: string = registration.body.id;
    const lock = await h.database.db.transaction();
    await lock('registrations').where({ id: registrationId }).forUpdate().first();
    const body = fixtureWith('stripe.payment_intent.succeeded.json', {
      reg_01JF8T4K2M9QZ: registrationId,
      pi_3RfxT0Kq8ZbW2mNa1cD4eF5g: `pi_${tag}`,
      evt_3RfxT0Kq8ZbW2mNa1pQ8rS9t: `evt_${tag}`,
    });
    const response = await h.postStripe(`/webhooks/stripe/${connectionId}`, body);
    expect(response.status).to.equal(200);
    await waitForWebhookStatus(h, response.body.webhook_event_id, ['processing']);
    return { registrationId, webhookEventId: response.body.webhook_event_id, lock };
  }

  async function paymentRows(registrationId: string): Promise<number> {
    const rows = await h.database.db('payments').where({ registration_id: registrationId }).count<{ count: number }[]>({ count: '*' });
    return Number(rows[0]?.count);
  }

  it('re-runs a job after SIGKILL and applies it once', async () => {
    const first = await startWorker();
    const { registrationId, webhookEventId, lock } = await postBlockedPayment('KillMidJob01');

    first.child.kill('SIGKILL');
    const exit = await first.waitForExit();
    expect(exit.signal).to.equal('SIGKILL');
    await lock.rollback();

    await startWorker();
    const row = await waitForWebhookStatus(h, webhookEventId, ['processed', 'failed'], 20_000);
    expect(row.status).to.equal('processed');
    expect(row.attempts).to.equal(2);
    expect(await paymentRows(registrationId)).to.equal(1);
    const registration = await h.api('GET', `/api/v1/registrations/${registrationId}`);
    expect(registration.body.status).to.equal('confirmed');
    expect(registration.body.amount_paid).to.equal(4500);
  });

  /**
   * Waits until a worker has started the event's job for the `attempt`th time. The row cannot show this, because
   * the killed worker's Postgres session keeps the row locked while it waits for the test's lock.
   */
  async function waitForAttempt(webhookEventId: number, attempt: number): Promise<void> {
    const row = await h.database.db('webhook_events').where({ id: webhookEventId }).first('provider', 'source_key', 'provider_event_id');
    const jobId = webhookJobId(row.provider, row.source_key, row.provider_event_id);
    await waitFor(
      async () => {
        const job = await h.services.producer.queue('payments').getJob(jobId);
        return job !== undefined && job.attemptsStarted >= attempt && (await job.isActive()) ? job : undefined;
      },
      20_000,
      `attempt ${attempt} of job ${jobId}`,
    );
  }

  // Deploys and crash loops can stop the worker twice while the same job runs. With BullMQ's default limit
  // of one stall that job failed and its registration stayed unpaid until someone replayed it.
  it('applies a job once after two kills', async () => {
    const first = await startWorker();
    const { registrationId, webhookEventId, lock } = await postBlockedPayment('KillTwice01');
    first.child.kill('SIGKILL');
    await first.waitForExit();

    const second = await startWorker();
    await waitForAttempt(webhookEventId, 2);
    second.child.kill('SIGKILL');
    await second.waitForExit();
    await lock.rollback();

    await startWorker();
    const row = await waitForWebhookStatus(h, webhookEventId, ['processed', 'failed'], 20_000);
    expect(row.status).to.equal('processed');
    expect(row.attempts).to.equal(3);
    expect(await paymentRows(registrationId)).to.equal(1);
    const registration = await h.api('GET', `/api/v1/registrations/${registrationId}`);
    expect(registration.body.status).to.equal('confirmed');
    expect(registration.body.amount_paid).to.equal(4500);
  });

  it('fails past the stall limit, then replays', async () => {
    const limit = { WORKER_MAX_STALLED_COUNT: '0' };
    const first = await startWorker(limit);
    const { registrationId, webhookEventId, lock } = await postBlockedPayment('StallLimit01');
    first.child.kill('SIGKILL');
    await first.waitForExit();
    await lock.rollback();

    await startWorker(limit);
    const failed = await waitForWebhookStatus(h, webhookEventId, ['processed', 'failed'], 20_000);
    expect(failed.status).to.equal('failed');
    expect(failed.last_error).to.equal('the worker stopped while running this event more than 0 times (WORKER_MAX_STALLED_COUNT); replay it once workers stay up');
    expect(await paymentRows(registrationId)).to.equal(0);

    const replay = await h.api('POST', `/api/v1/webhook-events/${webhookEventId}/replay`);
    expect(replay.status).to.equal(202);
    const row = await waitForWebhookStatus(h, webhookEventId, ['processed'], 20_000);
    expect(row.status).to.equal('processed');
    expect(await paymentRows(registrationId)).to.equal(1);
    const registration = await h.api('GET', `/api/v1/registrations/${registrationId}`);
    expect(registration.body.status).to.equal('confirmed');
  });

  it('finishes the active job on SIGTERM, then exits 0', async () => {
    const worker = await startWorker();
    const { registrationId, webhookEventId, lock } = await postBlockedPayment('GracefulStop01');

    const startedAt = Date.now();
    worker.child.kill('SIGTERM');
    await worker.waitForOutput(/shutting down/);
    // The job is still blocked; releasing the lock lets it commit during shutdown.
    setTimeout(() => void lock.commit(), 500);
    const exit = await worker.waitForExit(25_000);
    expect(exit.code).to.equal(0);
    expect(Date.now() - startedAt).to.be.below(25_000);
    expect(worker.output()).to.match(/shutdown complete/);

    const row = await h.database.db('webhook_events').where({ id: webhookEventId }).first('status', 'attempts');
    expect(row.status).to.equal('processed');
    expect(row.attempts).to.equal(1);
    expect(await paymentRows(registrationId)).to.equal(1);
  });

  it('stops the web process on SIGTERM with exit 0', async () => {
    const web = spawnService('src/server.js', { ...h.env, PORT: '0', LOG_LEVEL: 'info' });
    running.push(web);
    await web.waitForOutput(/web listening/);
    web.child.kill('SIGTERM');
    const exit = await web.waitForExit(25_000);
    expect(exit.code).to.equal(0);
    expect(web.output()).to.match(/shutdown complete/);
  });
});
