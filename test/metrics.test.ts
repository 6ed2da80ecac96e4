import { expect } from 'chai';
import { Metrics } from '../src/metrics/registry.js';
import { startHarness, type Harness } from './helpers/harness.js';
import {
  createRegistration,
  createStripeConnection,
  createTicketingEvent,
  postStripeEvent,
  stripePaymentSucceeded,
  uniqueId,
  waitUntilFinished,
} from './helpers/processing.js';

const TOKEN = 'metrics-token-for-tests-0001';

describe('metrics', () => {
  let h: Harness;
  const workerMetrics = new Metrics('worker');

  before(async () => {
    h = await startHarness({ env: { METRICS_TOKEN: TOKEN } });
    await h.startWorkers(workerMetrics);
  });
  after(async () => {
    await h.close();
  });

  async function scrape(token?: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${h.baseUrl}/metrics`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    return { status: response.status, text: await response.text() };
  }

  it('rejects a scrape without the token', async () => {
    expect((await scrape()).status).to.equal(401);
    expect((await scrape('wrong-token-wrong-token')).status).to.equal(401);
  });

  it('counts webhooks, latency and queue depth', async () => {
    const eventId = await createTicketingEvent(h, { currency: 'USD' });
    const path = await createStripeConnection(h);
    const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
    const id = await postStripeEvent(h, path, stripePaymentSucceeded({ registrationId, paymentIntentId: uniqueId('pi'), amount: 4500 }));
    expect((await waitUntilFinished(h, id)).status).to.equal('processed');
    const forged = await h.postStripe(path, Buffer.from('{}'), { secret: 'whsec_wrong_secret_000' });
    expect(forged.status).to.equal(400);

    const { status, text } = await scrape(TOKEN);
    expect(status).to.equal(200);
    expect(text).to.include('eventhex_webhooks_received_total{provider="stripe",type="payment_intent.succeeded",outcome="new",process="web"} 1');
    expect(text).to.include('eventhex_webhooks_received_total{provider="stripe",type="unknown",outcome="rejected",process="web"} 1');
    expect(text).to.match(/eventhex_webhook_ingest_seconds_count\{process="web",provider="stripe"\} 2/);
    expect(text).to.match(/eventhex_queue_jobs\{queue="payments",state="waiting",process="web"\} 0/);
    expect(text).to.match(/eventhex_webhook_source_seconds_since_last_delivery\{source="connection:pc_\w+",process="web"\} \d/);
  });

  it('counts completed jobs and processing latency in the worker', async () => {
    const text = await workerMetrics.registry.metrics();
    expect(text).to.include('eventhex_jobs_total{queue="payments",outcome="completed",process="worker"} 1');
    expect(text).to.match(/eventhex_webhook_processing_seconds_count\{process="worker",queue="payments"\} 1/);
  });

  it('is disabled without a token', async () => {
    const plain = await startHarness();
    try {
      const response = await fetch(`${plain.baseUrl}/metrics`);
      expect(response.status).to.equal(404);
    } finally {
      await plain.close();
    }
  });
});
