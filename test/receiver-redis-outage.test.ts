import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { STRIPE_SECRET, startHarness, waitFor, waitForWebhookStatus, type Harness } from './helpers/harness.js';
import {
  STRIPE_FIXTURE_REGISTRATION,
  createRegistration,
  createStripeConnection,
  freePort,
  jobsForRow,
  newStripeEventId,
  postRaw,
  sleep,
  stripeFixture,
  webhookRows,
} from './helpers/receiver-requests.js';
import { stripeSignature } from './helpers/sign.js';

/** Maximum time in ms for the receiver to respond while Redis is down. ENQUEUE_TIMEOUT_MS defaults to 2000 ms. */
const OUTAGE_RESPONSE_MAX_MS = 3000;
/** The PaymentIntent id in stripe.payment_intent.succeeded.json. */
const FIXTURE_PAYMENT_INTENT = 'pi_3RfxT0Kq8ZbW2mNa1cD4eF5g';

/** Starts a throwaway redis-server without persistence on 127.0.0.1:`port` and waits until PING succeeds. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
        try {
          if (client.status !== 'ready') await client.connect();
          return (await client.ping()) === 'PONG' ? true : undefined;
        } catch {
          client.disconnect();
          return undefined;
        }
      },
      5000,
      `redis-server on port ${port} to answer PING`,
    );
  } finally {
    client.disconnect();
  }
  return child;
}

/** Returns true once the harness's producer connection runs commands again, undefined while it cannot. */
async function producerConnected(harness: Harness): Promise<true | undefined> {
  try {
    await harness.services.producer.queue('maintenance').getJobCounts();
    return true;
  } catch {
    return undefined;
  }
}

/** Stops a redis-server this file started and waits for it to exit. */
async function stopRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

describe('receiver: Redis down after the row is stored', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  let h: Harness | undefined;

  before(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    h = await startHarness({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
  });

  after(async () => {
    try {
      await h?.close();
    } finally {
      if (redis !== undefined) await stopRedisServer(redis);
    }
  });

  it('returns 200, then the sweeper enqueues', async () => {
    const harness = h!;
    const connectionId = await createStripeConnection(harness, [STRIPE_SECRET]);
    const { registrationId } = await createRegistration(harness, { currency: 'USD', amountDue: 4500 });
    const eventId = newStripeEventId();
    const body = stripeFixture('stripe.payment_intent.succeeded.json', eventId, { [STRIPE_FIXTURE_REGISTRATION]: registrationId });

    await stopRedisServer(redis!);

    const startedAt = Date.now();
    const res = await postRaw(harness.baseUrl, `/webhooks/stripe/${connectionId}`, body, {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(body, STRIPE_SECRET),
    });
    const elapsedMs = Date.now() - startedAt;

    expect(res.status).to.equal(200);
    expect(elapsedMs).to.be.below(OUTAGE_RESPONSE_MAX_MS);
    expect(res.body.duplicate).to.equal(false);
    const stored = await webhookRows(harness, { provider_event_id: eventId });
    expect(stored).to.have.length(1);
    const row = stored[0]!;
    expect(row.status).to.equal('received');
    expect(row.job_id).to.be.a('string');

    // Nothing moves the row while Redis is down and no worker runs.
    await sleep(1000);
    const unchanged = await webhookRows(harness, { id: row.id });
    expect(unchanged[0]?.status).to.equal('received');

    redis = await startRedisServer(port);
    // The producer connection waits at most 2 s between reconnect attempts, and the worker pool needs it to add the sweeper's schedule.
    await waitFor(() => producerConnected(harness), 10_000, 'the producer connection to reconnect');
    await harness.startWorkers();

    const finished = await waitForWebhookStatus(harness, row.id, ['processed', 'failed'], 20_000);
    expect(finished.status).to.equal('processed');
    const jobs = await jobsForRow(harness, 'payments', row.id);
    expect(jobs).to.have.length(1);
    expect(jobs[0]?.id).to.equal(row.job_id);
    const registration = await harness.api('GET', `/api/v1/registrations/${registrationId}`);
    expect(registration.body.status).to.equal('confirmed');
    expect(registration.body.amount_paid).to.equal(4500);
  });

  it('enqueues directly after Redis returns', async () => {
    const harness = h!;
    const connectionId = await createStripeConnection(harness, [STRIPE_SECRET]);
    const { registrationId } = await createRegistration(harness, { currency: 'USD', amountDue: 4500 });
    const eventId = newStripeEventId();
    // A payment intent of its own: the fixture's id is already linked to the first test's registration.
    const body = stripeFixture('stripe.payment_intent.succeeded.json', eventId, {
      [STRIPE_FIXTURE_REGISTRATION]: registrationId,
      [FIXTURE_PAYMENT_INTENT]: `pi_test_${randomBytes(8).toString('hex')}`,
    });

    const res = await postRaw(harness.baseUrl, `/webhooks/stripe/${connectionId}`, body, {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(body, STRIPE_SECRET),
    });

    expect(res.status).to.equal(200);
    const afterResponse = await webhookRows(harness, { id: res.body.webhook_event_id });
    expect(afterResponse[0]?.status).to.not.equal('received');
    const finished = await waitForWebhookStatus(harness, res.body.webhook_event_id, ['processed', 'failed']);
    expect(finished.status).to.equal('processed');
    const registration = await harness.api('GET', `/api/v1/registrations/${registrationId}`);
    expect(registration.body.status).to.equal('confirmed');
  });
});
