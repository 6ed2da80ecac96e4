import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { STRIPE_SECRET, startHarness, type Harness } from './helpers/harness.js';
import {
  STRIPE_FIXTURE_REGISTRATION,
  createRegistration,
  createStripeConnection,
  jobsForRow,
  newStripeEventId,
  postRaw,
  stripeFixture,
  stripeV1,
  waitForSecondStart,
  webhookRows,
} from './helpers/receiver-requests.js';
import { stripeSignature } from './helpers/sign.js';

const FIXTURE = 'stripe.payment_intent.succeeded.json';
const OTHER_SECRET = 'whsec_test_some_other_secret_0002';
const ROTATED_SECRET = 'whsec_test_rotated_secret_0003';
const UNKNOWN_SECRET = 'whsec_test_unknown_secret_0004';
const NON_ASCII_DESCRIPTION = 'Café Müller – Straße 東京';

// The SDK instance only builds signature headers locally; it makes no network calls.
const stripeSdk = new Stripe('sk_test_receiver_tests_only');

describe('receiver: Stripe signatures', () => {
  let h: Harness;
  let connectionId: string;
  let rotatingConnectionId: string;
  let registrationId: string;

  before(async () => {
    h = await startHarness();
    connectionId = await createStripeConnection(h, [STRIPE_SECRET]);
    rotatingConnectionId = await createStripeConnection(h, [STRIPE_SECRET, ROTATED_SECRET]);
    ({ registrationId } = await createRegistration(h, { currency: 'USD', amountDue: 4500 }));
  });

  after(async () => {
    await h.close();
  });

  /** Builds a payment_intent.succeeded event with a fresh id for the test registration. */
  function paymentEvent(eventId = newStripeEventId()): Buffer {
    return stripeFixture(FIXTURE, eventId, { [STRIPE_FIXTURE_REGISTRATION]: registrationId });
  }

  function post(body: Buffer, signature: string, path = `/webhooks/stripe/${connectionId}`) {
    return postRaw(h.baseUrl, path, body, { 'content-type': 'application/json', 'stripe-signature': signature });
  }

  it('accepts a pretty-printed non-ASCII body', async () => {
    const eventId = newStripeEventId();
    const body = stripeFixture(FIXTURE, eventId, {
      [STRIPE_FIXTURE_REGISTRATION]: registrationId,
      'DevConf 2026 - General Admission x1': NON_ASCII_DESCRIPTION,
    });
    expect(body.toString('utf8')).to.include(NON_ASCII_DESCRIPTION);
    expect(body.toString('utf8')).to.include('\n  "data": {');

    const res = await post(body, stripeSignature(body, STRIPE_SECRET));

    expect(res.status).to.equal(200);
    const rows = await webhookRows(h, { provider_event_id: eventId });
    expect(rows).to.have.length(1);
    expect(rows[0]?.payload).to.equal(body.toString('utf8'));
    expect(rows[0]?.body_bytes).to.equal(body.length);
  });

  it('accepts a header built by the SDK', async () => {
    const eventId = newStripeEventId();
    const body = stripeFixture(FIXTURE, eventId, {
      [STRIPE_FIXTURE_REGISTRATION]: registrationId,
      'DevConf 2026 - General Admission x1': NON_ASCII_DESCRIPTION,
    });
    const header = stripeSdk.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret: STRIPE_SECRET });

    const res = await post(body, header);

    expect(res.status).to.equal(200);
    expect(await webhookRows(h, { provider_event_id: eventId })).to.have.length(1);
  });

  it('accepts a matching second v1', async () => {
    const body = paymentEvent();
    const timestamp = Math.floor(Date.now() / 1000);
    const wrong = stripeV1(body, OTHER_SECRET, timestamp);
    const right = stripeV1(body, STRIPE_SECRET, timestamp);

    const res = await post(body, `t=${timestamp},v1=${wrong},v1=${right}`);

    expect(res.status).to.equal(200);
  });

  it('accepts a matching first of three v1', async () => {
    const body = paymentEvent();
    const timestamp = Math.floor(Date.now() / 1000);
    const right = stripeV1(body, STRIPE_SECRET, timestamp);
    const wrongA = stripeV1(body, OTHER_SECRET, timestamp);
    const wrongB = stripeV1(body, UNKNOWN_SECRET, timestamp);

    const res = await post(body, `t=${timestamp},v1=${right},v1=${wrongA},v1=${wrongB}`);

    expect(res.status).to.equal(200);
  });

  it('rejects when no v1 matches', async () => {
    const body = paymentEvent();
    const timestamp = Math.floor(Date.now() / 1000);
    const wrongA = stripeV1(body, OTHER_SECRET, timestamp);
    const wrongB = stripeV1(body, UNKNOWN_SECRET, timestamp);

    const res = await post(body, `t=${timestamp},v1=${wrongA},v1=${wrongB}`);

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('signature_mismatch');
  });

  describe('timestamp tolerance of 300 s', () => {
    const cases: { name: string; offsetSeconds: number; status: number; code?: string }[] = [
      { name: 'accepts a timestamp 299 s old', offsetSeconds: -299, status: 200 },
      { name: 'accepts a timestamp exactly 300 s old', offsetSeconds: -300, status: 200 },
      { name: 'rejects a timestamp 301 s old', offsetSeconds: -301, status: 400, code: 'timestamp_outside_tolerance' },
      { name: 'accepts a timestamp 299 s ahead', offsetSeconds: 299, status: 200 },
      { name: 'rejects a timestamp 301 s ahead', offsetSeconds: 301, status: 400, code: 'timestamp_outside_tolerance' },
      { name: 'rejects a timestamp a day old', offsetSeconds: -86_400, status: 400, code: 'timestamp_outside_tolerance' },
    ];
    for (const testCase of cases) {
      it(testCase.name, async () => {
        const body = paymentEvent();
        await waitForSecondStart();
        const timestamp = Math.floor(Date.now() / 1000) + testCase.offsetSeconds;

        const res = await post(body, stripeSignature(body, STRIPE_SECRET, timestamp));

        expect(res.status).to.equal(testCase.status);
        if (testCase.code !== undefined) expect(res.body.error.code).to.equal(testCase.code);
      });
    }
  });

  it('rejects a body signed with another secret', async () => {
    const body = paymentEvent();

    const res = await post(body, stripeSignature(body, OTHER_SECRET));

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('signature_mismatch');
    expect(res.body.error.message).to.be.a('string');
  });

  it('rejects a request without Stripe-Signature', async () => {
    const body = paymentEvent();

    const res = await postRaw(h.baseUrl, `/webhooks/stripe/${connectionId}`, body, { 'content-type': 'application/json' });

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('missing_signature');
  });

  describe('malformed Stripe-Signature headers', () => {
    const hex = 'ab'.repeat(32);
    const now = () => Math.floor(Date.now() / 1000);
    const cases: { name: string; header: () => string; code: string }[] = [
      { name: 'garbage', header: () => 'garbage', code: 'malformed_signature' },
      { name: 't=abc,v1=zz', header: () => 't=abc,v1=zz', code: 'malformed_signature' },
      { name: 'v1 without t', header: () => `v1=${hex}`, code: 'malformed_signature' },
      { name: 'empty value', header: () => '', code: 'missing_signature' },
      { name: 't without v1', header: () => `t=${now()}`, code: 'malformed_signature' },
      { name: 'empty v1', header: () => `t=${now()},v1=`, code: 'malformed_signature' },
      { name: 'v0 scheme only', header: () => `t=${now()},v0=${hex}`, code: 'malformed_signature' },
      { name: 'short v1', header: () => `t=${now()},v1=abcdef`, code: 'malformed_signature' },
      { name: 'non-hex v1', header: () => `t=${now()},v1=${'zz'.repeat(32)}`, code: 'malformed_signature' },
      { name: '20-digit timestamp', header: () => `t=${'9'.repeat(20)},v1=${hex}`, code: 'malformed_signature' },
      { name: 'negative timestamp', header: () => `t=-5,v1=${hex}`, code: 'malformed_signature' },
      { name: 'only separators', header: () => ',,,=,=', code: 'malformed_signature' },
      { name: 'Latin-1 bytes', header: () => 't=\u00ff\u00fe,v1=\u00e9', code: 'malformed_signature' },
      { name: 'well-formed random v1', header: () => `t=${now()},v1=${randomBytes(32).toString('hex')}`, code: 'signature_mismatch' },
    ];
    for (const testCase of cases) {
      it(`rejects ${testCase.name} with 400`, async () => {
        const res = await post(paymentEvent(), testCase.header());

        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal(testCase.code);
      });
    }
  });

  it('accepts the first of two secrets', async () => {
    const eventId = newStripeEventId();
    const body = paymentEvent(eventId);

    const res = await post(body, stripeSignature(body, STRIPE_SECRET), `/webhooks/stripe/${rotatingConnectionId}`);

    expect(res.status).to.equal(200);
    const rows = await webhookRows(h, { provider_event_id: eventId });
    expect(rows).to.have.length(1);
    expect(rows[0]?.connection_id).to.equal(rotatingConnectionId);
  });

  it('accepts the second of two secrets', async () => {
    const eventId = newStripeEventId();
    const body = paymentEvent(eventId);

    const res = await post(body, stripeSignature(body, ROTATED_SECRET), `/webhooks/stripe/${rotatingConnectionId}`);

    expect(res.status).to.equal(200);
    const rows = await webhookRows(h, { provider_event_id: eventId });
    expect(rows).to.have.length(1);
    expect(rows[0]?.connection_id).to.equal(rotatingConnectionId);
  });

  it('rejects a third secret on rotation', async () => {
    const body = paymentEvent();

    const res = await post(body, stripeSignature(body, UNKNOWN_SECRET), `/webhooks/stripe/${rotatingConnectionId}`);

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('signature_mismatch');
  });

  it('rejects a secret the connection lacks', async () => {
    const body = paymentEvent();

    const res = await post(body, stripeSignature(body, ROTATED_SECRET));

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('signature_mismatch');
  });

  it('rejects re-serialised JSON', async () => {
    const eventId = newStripeEventId();
    const original = paymentEvent(eventId);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(original.toString('utf8'))), 'utf8');
    expect(reserialised.equals(original)).to.equal(false);

    const res = await post(reserialised, stripeSignature(original, STRIPE_SECRET));

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('signature_mismatch');
    const stored = await webhookRows(h, { provider_event_id: eventId });
    expect(stored).to.have.length(0);
  });

  it('rejects a body changed after signing', async () => {
    const body = paymentEvent();
    const signature = stripeSignature(body, STRIPE_SECRET);
    const tampered = Buffer.from(body.toString('utf8').replace('"amount": 4500', '"amount": 4501'), 'utf8');
    expect(tampered.length).to.equal(body.length);

    const res = await post(tampered, signature);

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('signature_mismatch');
  });

  it('enqueues one payments job', async () => {
    const eventId = newStripeEventId();
    const body = paymentEvent(eventId);

    const res = await post(body, stripeSignature(body, STRIPE_SECRET));

    expect(res.status).to.equal(200);
    const rows = await webhookRows(h, { provider_event_id: eventId });
    expect(rows).to.have.length(1);
    const row = rows[0]!;
    expect(row.status).to.equal('queued');
    const jobs = await jobsForRow(h, 'payments', row.id);
    expect(jobs).to.have.length(1);
    expect(jobs[0]?.id).to.equal(row.job_id);
  });
});
