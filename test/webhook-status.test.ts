import { expect } from 'chai';
import { lightFor, type SourceActivity } from '../src/webhook-log/status-light.js';
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

const quiet: SourceActivity = { lastReceivedAt: null, lastProcessedAt: null, lastSignatureFailureAt: null, failures24h: 0, signatureFailures24h: 0, processed24h: 0 };

describe('status light rule', () => {
  it('is inactive when nothing arrived', () => {
    expect(lightFor(quiet)).to.equal('inactive');
  });

  it('is error when only signature failures arrived', () => {
    expect(lightFor({ ...quiet, lastSignatureFailureAt: new Date(), signatureFailures24h: 1 })).to.equal('error');
  });

  it('is error when the newest delivery failed verification', () => {
    expect(lightFor({ ...quiet, lastReceivedAt: new Date(1000), lastSignatureFailureAt: new Date(2000) })).to.equal('error');
  });

  it('is degraded with processing failures', () => {
    expect(lightFor({ ...quiet, lastReceivedAt: new Date(2000), lastSignatureFailureAt: new Date(1000), failures24h: 1 })).to.equal('degraded');
  });

  it('is active when recent deliveries process', () => {
    expect(lightFor({ ...quiet, lastReceivedAt: new Date(), processed24h: 3 })).to.equal('active');
  });
});

describe('webhook status API', () => {
  let h: Harness;
  let eventId: string;

  before(async () => {
    h = await startHarness({ workers: true });
    eventId = await createTicketingEvent(h, { currency: 'USD' });
  });
  after(async () => {
    await h.close();
  });

  async function statusOf(id: string): Promise<{ status: string; failures_24h: number; signature_failures_24h: number; last_received_at: string | null }> {
    const response = await h.api('GET', '/api/v1/webhook-status');
    expect(response.status).to.equal(200);
    return response.body.data.find((entry: { id: string }) => entry.id === id);
  }

  it('moves from inactive to active, error and degraded', async () => {
    const path = await createStripeConnection(h);
    const connectionId = path.split('/').pop() as string;
    expect((await statusOf(connectionId)).status).to.equal('inactive');

    const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
    const ok = await postStripeEvent(h, path, stripePaymentSucceeded({ registrationId, paymentIntentId: uniqueId('pi'), amount: 4500 }));
    await waitUntilFinished(h, ok);
    const active = await statusOf(connectionId);
    expect(active.status).to.equal('active');
    expect(active.last_received_at).to.be.a('string');

    const forged = await h.postStripe(path, Buffer.from('{"id":"evt_x"}'), { secret: 'whsec_wrong_secret_000' });
    expect(forged.status).to.equal(400);
    const error = await statusOf(connectionId);
    expect(error.status).to.equal('error');
    expect(error.signature_failures_24h).to.equal(1);

    const orphan = await postStripeEvent(h, path, stripePaymentSucceeded({ registrationId: 'reg_MISSING00000001', paymentIntentId: uniqueId('pi'), amount: 4500 }));
    expect((await waitUntilFinished(h, orphan)).status).to.equal('failed');
    const degraded = await statusOf(connectionId);
    expect(degraded.status).to.equal('degraded');
    expect(degraded.failures_24h).to.equal(1);
  });

  it('lists events with a Razorpay secret only', async () => {
    const withSecret = await createTicketingEvent(h, { currency: 'INR', razorpay: true });
    const withoutSecret = await createTicketingEvent(h, { currency: 'INR' });
    const response = await h.api('GET', '/api/v1/webhook-status');
    const ids = response.body.data.map((entry: { id: string }) => entry.id);
    expect(ids).to.include(withSecret);
    expect(ids).to.not.include(withoutSecret);
    expect((await statusOf(withSecret)).status).to.equal('inactive');
  });
});
