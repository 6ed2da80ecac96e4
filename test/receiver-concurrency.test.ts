import { expect } from 'chai';
import { fixtureWith } from './helpers/fixtures.js';
import { STRIPE_SECRET, startHarness, waitForWebhookStatus, type Harness } from './helpers/harness.js';
import {
  RAZORPAY_FIXTURE_REGISTRATION,
  STRIPE_FIXTURE_REGISTRATION,
  createRegistration,
  createStripeConnection,
  jobsForRow,
  newRazorpayEventId,
  newStripeEventId,
  postRaw,
  stripeFixture,
  webhookRows,
} from './helpers/receiver-requests.js';
import { stripeSignature } from './helpers/sign.js';

const DELIVERIES = 10;

describe('receiver: concurrent deliveries', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ workers: true });
  });

  after(async () => {
    await h.close();
  });

  it('stores and applies 10 concurrent copies once', async () => {
    const connectionId = await createStripeConnection(h, [STRIPE_SECRET]);
    const { registrationId } = await createRegistration(h, { currency: 'USD', amountDue: 4500 });
    const eventId = newStripeEventId();
    const body = stripeFixture('stripe.payment_intent.succeeded.json', eventId, { [STRIPE_FIXTURE_REGISTRATION]: registrationId });
    const signature = stripeSignature(body, STRIPE_SECRET);

    const responses = await Promise.all(
      Array.from({ length: DELIVERIES }, () =>
        postRaw(h.baseUrl, `/webhooks/stripe/${connectionId}`, body, { 'content-type': 'application/json', 'stripe-signature': signature }),
      ),
    );

    expect(responses.map((res) => res.status)).to.deep.equal(new Array(DELIVERIES).fill(200));
    expect(responses.filter((res) => res.body.duplicate === false)).to.have.length(1);
    expect(new Set(responses.map((res) => res.body.webhook_event_id)).size).to.equal(1);

    const rows = await webhookRows(h, { provider_event_id: eventId });
    expect(rows).to.have.length(1);
    const row = rows[0]!;
    expect(row.delivery_count).to.equal(DELIVERIES);

    const finished = await waitForWebhookStatus(h, row.id, ['processed', 'failed']);
    expect(finished.status).to.equal('processed');
    expect(finished.attempts).to.equal(1);

    const jobs = await jobsForRow(h, 'payments', row.id);
    expect(jobs).to.have.length(1);
    expect(jobs[0]?.id).to.equal(row.job_id);

    const payments = await h.database.db('payments').where({ registration_id: registrationId }).select('provider_payment_id', 'status', 'amount');
    expect(payments).to.have.length(1);
    expect(payments[0]?.status).to.equal('succeeded');
    expect(payments[0]?.amount).to.equal(4500);

    const registration = await h.api('GET', `/api/v1/registrations/${registrationId}`);
    expect(registration.body.status).to.equal('confirmed');
    expect(registration.body.amount_paid).to.equal(4500);
  });

  it('counts 10 concurrent Razorpay copies', async () => {
    const { eventId, registrationId } = await createRegistration(h, { currency: 'INR', amountDue: 149900 });
    const body = fixtureWith('razorpay.payment.captured.json', { [RAZORPAY_FIXTURE_REGISTRATION]: registrationId });
    const providerEventId = newRazorpayEventId();

    const responses = await Promise.all(Array.from({ length: DELIVERIES }, () => h.postRazorpay(eventId, body, providerEventId)));

    expect(responses.map((res) => res.status)).to.deep.equal(new Array(DELIVERIES).fill(200));
    const rows = await webhookRows(h, { provider_event_id: providerEventId });
    expect(rows).to.have.length(1);
    expect(rows[0]?.delivery_count).to.equal(DELIVERIES);
    const finished = await waitForWebhookStatus(h, rows[0]!.id, ['processed', 'failed']);
    expect(finished.status).to.equal('processed');
    expect(await jobsForRow(h, 'payments', rows[0]!.id)).to.have.length(1);
    const payments = await h.database.db('payments').where({ registration_id: registrationId }).select('amount');
    expect(payments).to.have.length(1);
    const registration = await h.api('GET', `/api/v1/registrations/${registrationId}`);
    expect(registration.body.status).to.equal('confirmed');
    expect(registration.body.amount_paid).to.equal(149900);
  });
});
