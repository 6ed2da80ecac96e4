import { expect } from 'chai';
import http from 'node:http';
import { fixtureWith } from './helpers/fixtures.js';
import { RAZORPAY_SECRET, STRIPE_SECRET, startHarness, type Harness } from './helpers/harness.js';
import {
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
import { razorpaySignature, stripeSignature } from './helpers/sign.js';

const FIXTURE = 'stripe.payment_intent.succeeded.json';
const OTHER_SECRET = 'whsec_test_some_other_secret_0002';
const HANDLED_QUEUES = ['payments', 'refunds', 'subscriptions'] as const;

/** Posts a body signed with `secret` (default: the harness secret) to a Stripe route. */
function postSignedStripe(h: Harness, path: string, body: Buffer, secret = STRIPE_SECRET) {
  return postRaw(h.baseUrl, path, body, { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, secret) });
}

/** Returns how many jobs the handled queues hold for one webhook log row. */
async function jobCountForRow(h: Harness, webhookEventId: number): Promise<number> {
  let count = 0;
  for (const queue of HANDLED_QUEUES) count += (await jobsForRow(h, queue, webhookEventId)).length;
  return count;
}

/**
 * Builds a minimal `customer.created` Stripe event of exactly `totalBytes`
 * bytes by padding a field, for tests at the body limit.
 */
function stripeEventOfSize(totalBytes: number): Buffer {
  const event = {
    id: newStripeEventId(),
    object: 'event',
    type: 'customer.created',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { id: 'cus_padding', object: 'customer', description: '' } },
  };
  const unpadded = Buffer.byteLength(JSON.stringify(event));
  event.data.object.description = 'x'.repeat(totalBytes - unpadded);
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  if (body.length !== totalBytes) throw new Error(`Padded event is ${body.length} bytes, expected ${totalBytes}`);
  return body;
}

/** Sends a POST with node:http, so the test controls framing (Content-Length or chunked) and how the body is written. */
function postFramed(url: string, headers: Record<string, string | number>, chunks: Buffer[]): Promise<{ status: number; body: any }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

describe('receiver: outcomes', () => {
  let h: Harness;
  let connectionId: string;
  let registrationId: string;

  before(async () => {
    h = await startHarness();
    connectionId = await createStripeConnection(h, [STRIPE_SECRET]);
    ({ registrationId } = await createRegistration(h, { currency: 'USD', amountDue: 4500 }));
  });

  after(async () => {
    await h.close();
  });

  function paymentEvent(eventId: string): Buffer {
    return stripeFixture(FIXTURE, eventId, { [STRIPE_FIXTURE_REGISTRATION]: registrationId });
  }

  describe('new and repeated deliveries', () => {
    it('stores a new event and enqueues it', async () => {
      const eventId = newStripeEventId();

      const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, paymentEvent(eventId));

      expect(res.status).to.equal(200);
      expect(res.body.received).to.equal(true);
      expect(res.body.duplicate).to.equal(false);
      expect(res.body.webhook_event_id).to.be.a('number');
      const rows = await webhookRows(h, { provider_event_id: eventId });
      expect(rows).to.have.length(1);
      const row = rows[0]!;
      expect(row.id).to.equal(res.body.webhook_event_id);
      expect(row.status).to.equal('queued');
      expect(row.delivery_count).to.equal(1);
      expect(row.type).to.equal('payment_intent.succeeded');
      expect(row.source_key).to.equal(`connection:${connectionId}`);
      expect(row.organisation_id).to.equal(h.organisationId);
      expect(row.livemode).to.equal(false);
      const jobs = await jobsForRow(h, 'payments', row.id);
      expect(jobs).to.have.length(1);
      expect(jobs[0]?.id).to.equal(row.job_id);
    });

    it('counts repeats without a second job', async () => {
      const eventId = newStripeEventId();
      const body = paymentEvent(eventId);
      const paymentsBefore = await h.services.producer.queue('payments').getJobCounts();

      const first = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);
      const second = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);
      const third = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);

      expect(first.status).to.equal(200);
      expect(second.status).to.equal(200);
      expect(third.status).to.equal(200);
      expect(first.body.duplicate).to.equal(false);
      expect(second.body.duplicate).to.equal(true);
      expect(third.body.duplicate).to.equal(true);
      expect(third.body.webhook_event_id).to.equal(first.body.webhook_event_id);
      const rows = await webhookRows(h, { provider_event_id: eventId });
      expect(rows).to.have.length(1);
      expect(rows[0]?.delivery_count).to.equal(3);
      expect(rows[0]?.status).to.equal('queued');
      expect(await jobsForRow(h, 'payments', rows[0]!.id)).to.have.length(1);
      const paymentsAfter = await h.services.producer.queue('payments').getJobCounts();
      expect(paymentsAfter['waiting']).to.equal((paymentsBefore['waiting'] ?? 0) + 1);
    });

    it('stores one row per connection', async () => {
      const otherConnectionId = await createStripeConnection(h, [STRIPE_SECRET]);
      const eventId = newStripeEventId();
      const body = paymentEvent(eventId);

      const first = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);
      const second = await postSignedStripe(h, `/webhooks/stripe/${otherConnectionId}`, body);

      expect(first.status).to.equal(200);
      expect(second.status).to.equal(200);
      expect(second.body.duplicate).to.equal(false);
      const rows = await webhookRows(h, { provider_event_id: eventId });
      expect(rows).to.have.length(2);
      expect(rows[0]?.job_id).to.not.equal(rows[1]?.job_id);
    });
  });

  describe('unknown connections', () => {
    it('returns 404 for an unknown pc_ id', async () => {
      const unknown = 'pc_0000000000000000';

      const res = await postSignedStripe(h, `/webhooks/stripe/${unknown}`, paymentEvent(newStripeEventId()));

      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('not_found');
      const rows = await webhookRows(h, { source_key: `connection:${unknown}` });
      expect(rows).to.have.length(1);
      expect(rows[0]?.status).to.equal('rejected');
      expect(rows[0]?.organisation_id).to.equal(null);
      expect(rows[0]?.last_error).to.match(/^not_found: /);
    });

    it('returns 404 for a junk connection id', async () => {
      const res = await postSignedStripe(h, `/webhooks/stripe/${encodeURIComponent('../../etc')}`, paymentEvent(newStripeEventId()));

      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('not_found');
      const rows = await webhookRows(h, { source_key: 'connection:../../etc' });
      expect(rows).to.have.length(1);
      expect(rows[0]?.status).to.equal('rejected');
      expect(rows[0]?.last_error).to.match(/^not_found: /);
    });

    it('truncates a long junk source key', async () => {
      const junk = `pc_${'A'.repeat(300)}`;

      const res = await postSignedStripe(h, `/webhooks/stripe/${junk}`, paymentEvent(newStripeEventId()));

      expect(res.status).to.equal(404);
      const rows = await webhookRows(h, { source_key: `connection:${junk.slice(0, 64)}...` });
      expect(rows).to.have.length(1);
      expect(rows[0]?.status).to.equal('rejected');
      expect(res.body.error.message).to.equal(`No stripe webhook endpoint connection:${junk.slice(0, 64)}...`);
    });

    it('escapes control characters in an unknown id', async () => {
      const res = await postSignedStripe(h, '/webhooks/stripe/pc_%00%1B;--', paymentEvent(newStripeEventId()));

      expect(res.status).to.equal(404);
      expect(res.body.error.message).to.equal('No stripe webhook endpoint connection:pc_\\u0000\\u001b;--');
      const rows = await webhookRows(h, { source_key: 'connection:pc_\\u0000\\u001b;--' });
      expect(rows).to.have.length(1);
      expect(rows[0]?.status).to.equal('rejected');
    });

    it('escapes a right-to-left override in an unknown id', async () => {
      const res = await postSignedStripe(h, '/webhooks/stripe/pc_%E2%80%AEevil', paymentEvent(newStripeEventId()));

      expect(res.status).to.equal(404);
      expect(res.body.error.message).to.equal('No stripe webhook endpoint connection:pc_\\u202eevil');
    });

    it('rejects invalid percent-encoding in the path with 400', async () => {
      const res = await postSignedStripe(h, '/webhooks/stripe/%E0%A4%A', paymentEvent(newStripeEventId()));

      expect(res.status).to.equal(400);
      expect(res.body.error).to.deep.equal({ code: 'invalid_path', message: 'Request path is not valid percent-encoding' });
    });

    it('returns 404 for a ticketing event id', async () => {
      const { eventId } = await createRegistration(h, { currency: 'INR', amountDue: 100 });

      const res = await postSignedStripe(h, `/webhooks/stripe/${eventId}`, paymentEvent(newStripeEventId()));

      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('not_found');
    });
  });

  describe('bodies that are not events', () => {
    const invalidJson: { name: string; body: Buffer }[] = [
      { name: 'signed garbage bytes', body: Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256)) },
      { name: 'signed plain text', body: Buffer.from('not json at all', 'utf8') },
      { name: 'signed truncated JSON', body: Buffer.from('{"id": "evt_1", "object": ', 'utf8') },
      { name: 'signed invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
      { name: 'a signed overlong UTF-8 encoding', body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]) },
      { name: 'a signed empty body', body: Buffer.alloc(0) },
    ];
    for (const testCase of invalidJson) {
      it(`rejects ${testCase.name} as invalid_json`, async () => {
        const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, testCase.body);

        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal('invalid_json');
      });
    }

    it('rejects Razorpay invalid UTF-8 as invalid_json', async () => {
      const { eventId } = await createRegistration(h, { currency: 'INR', amountDue: 100 });
      const body = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);

      const res = await h.postRazorpay(eventId, body, newRazorpayEventId());

      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_json');
    });

    const notEvents: { name: string; json: string }[] = [
      { name: 'an object of other fields', json: '{"hello": "world"}' },
      { name: 'an array', json: '[]' },
      { name: 'null', json: 'null' },
      { name: 'a number', json: '42' },
      { name: 'a string', json: '"evt_1"' },
      { name: 'an event without livemode', json: '{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1767225601,"data":{"object":{}}}' },
      { name: 'an event with object charge', json: '{"id":"evt_1","object":"charge","type":"charge.succeeded","created":1767225601,"livemode":false,"data":{"object":{}}}' },
      { name: 'an event with an empty id', json: '{"id":"","object":"event","type":"payment_intent.succeeded","created":1767225601,"livemode":false,"data":{"object":{}}}' },
      { name: 'an event with a string created', json: '{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":"yesterday","livemode":false,"data":{"object":{}}}' },
    ];
    for (const testCase of notEvents) {
      it(`rejects ${testCase.name} as invalid_event`, async () => {
        const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, Buffer.from(testCase.json, 'utf8'));

        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal('invalid_event');
      });
    }

    it('rejects a Razorpay body without entity event', async () => {
      const { eventId } = await createRegistration(h, { currency: 'INR', amountDue: 100 });
      const body = Buffer.from('{"event":"payment.captured","payload":{},"created_at":1767225601}', 'utf8');

      const res = await h.postRazorpay(eventId, body, newRazorpayEventId());

      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_event');
    });
  });

  describe('ignored events', () => {
    it('ignores a test event on a live connection', async () => {
      const liveConnectionId = await createStripeConnection(h, [STRIPE_SECRET], true);
      const eventId = newStripeEventId();

      const res = await postSignedStripe(h, `/webhooks/stripe/${liveConnectionId}`, paymentEvent(eventId));

      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal('ignored');
      const rows = await webhookRows(h, { provider_event_id: eventId });
      expect(rows).to.have.length(1);
      const row = rows[0]!;
      expect(row.status).to.equal('ignored');
      expect(row.last_error).to.include('livemode');
      expect(row.processed_at).to.not.equal(null);
      expect(row.job_id).to.equal(null);
      expect(await jobCountForRow(h, row.id)).to.equal(0);
    });

    it('ignores a live event on a test connection', async () => {
      const eventId = newStripeEventId();
      const body = stripeFixture(FIXTURE, eventId, { [STRIPE_FIXTURE_REGISTRATION]: registrationId, '"livemode": false': '"livemode": true' });

      const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);

      expect(res.status).to.equal(200);
      const rows = await webhookRows(h, { provider_event_id: eventId });
      expect(rows).to.have.length(1);
      expect(rows[0]?.status).to.equal('ignored');
      expect(rows[0]?.livemode).to.equal(true);
    });

    it('ignores an unhandled type without a job', async () => {
      const eventId = newStripeEventId();
      const body = stripeFixture(FIXTURE, eventId, { '"type": "payment_intent.succeeded"': '"type": "customer.created"' });

      const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);

      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal('ignored');
      const rows = await webhookRows(h, { provider_event_id: eventId });
      expect(rows).to.have.length(1);
      const row = rows[0]!;
      expect(row.status).to.equal('ignored');
      expect(row.type).to.equal('customer.created');
      expect(row.last_error).to.include('customer.created');
      expect(row.job_id).to.equal(null);
      expect(await jobCountForRow(h, row.id)).to.equal(0);
    });

    it('counts a repeated ignored event', async () => {
      const eventId = newStripeEventId();
      const body = stripeFixture(FIXTURE, eventId, { '"type": "payment_intent.succeeded"': '"type": "customer.created"' });

      await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);
      const second = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);

      expect(second.status).to.equal(200);
      expect(second.body.duplicate).to.equal(true);
      expect(second.body.status).to.equal('ignored');
      const rows = await webhookRows(h, { provider_event_id: eventId });
      expect(rows).to.have.length(1);
      expect(rows[0]?.delivery_count).to.equal(2);
      expect(rows[0]?.status).to.equal('ignored');
    });

    it('ignores an unhandled Razorpay type', async () => {
      const { eventId } = await createRegistration(h, { currency: 'INR', amountDue: 100 });
      const providerEventId = newRazorpayEventId();
      const body = fixtureWith('razorpay.payment.captured.json', { '"event": "payment.captured"': '"event": "payment.authorized"' });

      const res = await h.postRazorpay(eventId, body, providerEventId);

      expect(res.status).to.equal(200);
      const rows = await webhookRows(h, { provider_event_id: providerEventId });
      expect(rows).to.have.length(1);
      expect(rows[0]?.status).to.equal('ignored');
      expect(await jobCountForRow(h, rows[0]!.id)).to.equal(0);
    });
  });

  describe('rejected rows', () => {
    it('records a bad signature with its reason', async () => {
      const ownConnectionId = await createStripeConnection(h, [STRIPE_SECRET]);
      const body = paymentEvent(newStripeEventId());

      const res = await postSignedStripe(h, `/webhooks/stripe/${ownConnectionId}`, body, OTHER_SECRET);

      expect(res.status).to.equal(400);
      const rows = await webhookRows(h, { connection_id: ownConnectionId });
      expect(rows).to.have.length(1);
      const row = rows[0]!;
      expect(row.status).to.equal('rejected');
      expect(row.last_error).to.match(/^signature_mismatch: /);
      expect(row.organisation_id).to.equal(h.organisationId);
      expect(row.provider).to.equal('stripe');
      expect(row.source_key).to.equal(`connection:${ownConnectionId}`);
      expect(row.provider_event_id).to.equal(null);
      expect(row.payload).to.equal(null);
      expect(row.body_bytes).to.equal(body.length);
      expect(row.job_id).to.equal(null);
    });

    const reasons: { name: string; headers: (body: Buffer) => Record<string, string>; body: () => Buffer; reason: RegExp }[] = [
      { name: 'a missing signature', headers: () => ({}), body: () => Buffer.from('{}'), reason: /^missing_signature: / },
      { name: 'a malformed signature', headers: () => ({ 'stripe-signature': 'garbage' }), body: () => Buffer.from('{}'), reason: /^malformed_signature: / },
      {
        name: 'an old timestamp',
        headers: (body) => ({ 'stripe-signature': stripeSignature(body, STRIPE_SECRET, Math.floor(Date.now() / 1000) - 3600) }),
        body: () => Buffer.from('{}'),
        reason: /^timestamp_outside_tolerance: /,
      },
      { name: 'invalid JSON', headers: (body) => ({ 'stripe-signature': stripeSignature(body, STRIPE_SECRET) }), body: () => Buffer.from('nope'), reason: /^invalid_json: / },
      { name: 'a non-event', headers: (body) => ({ 'stripe-signature': stripeSignature(body, STRIPE_SECRET) }), body: () => Buffer.from('{}'), reason: /^invalid_event: / },
    ];
    for (const testCase of reasons) {
      it(`records ${testCase.name} with its reason`, async () => {
        const ownConnectionId = await createStripeConnection(h, [STRIPE_SECRET]);
        const body = testCase.body();

        const res = await postRaw(h.baseUrl, `/webhooks/stripe/${ownConnectionId}`, body, { 'content-type': 'application/json', ...testCase.headers(body) });

        expect(res.status).to.equal(400);
        const rows = await webhookRows(h, { connection_id: ownConnectionId });
        expect(rows).to.have.length(1);
        expect(rows[0]?.status).to.equal('rejected');
        expect(rows[0]?.last_error).to.match(testCase.reason);
        expect(rows[0]?.organisation_id).to.equal(h.organisationId);
      });
    }

    it('records a Razorpay bad signature with its event', async () => {
      const { eventId } = await createRegistration(h, { currency: 'INR', amountDue: 100 });
      const body = fixtureWith('razorpay.payment.captured.json', {});

      const res = await h.postRazorpay(eventId, body, newRazorpayEventId(), { secret: 'rzp_webhook_secret_other_0002' });

      expect(res.status).to.equal(400);
      const rows = await webhookRows(h, { event_id: eventId });
      expect(rows).to.have.length(1);
      expect(rows[0]?.status).to.equal('rejected');
      expect(rows[0]?.provider).to.equal('razorpay');
      expect(rows[0]?.source_key).to.equal(`event:${eventId}`);
      expect(rows[0]?.last_error).to.match(/^signature_mismatch: /);
      expect(rows[0]?.organisation_id).to.equal(h.organisationId);
    });
  });

  describe('development route POST /webhooks/stripe', () => {
    it('accepts a body signed with STRIPE_WEBHOOK_SECRET', async () => {
      const eventId = newStripeEventId();

      const res = await postSignedStripe(h, '/webhooks/stripe', paymentEvent(eventId));

      expect(res.status).to.equal(200);
      const rows = await webhookRows(h, { provider_event_id: eventId });
      expect(rows).to.have.length(1);
      const row = rows[0]!;
      expect(row.source_key).to.equal('default');
      expect(row.organisation_id).to.equal(null);
      expect(row.connection_id).to.equal(null);
      expect(row.status).to.equal('queued');
      expect(await jobsForRow(h, 'payments', row.id)).to.have.length(1);
    });

    it('rejects a body signed with another secret', async () => {
      const res = await postSignedStripe(h, '/webhooks/stripe', paymentEvent(newStripeEventId()), OTHER_SECRET);

      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('signature_mismatch');
      const rows = await webhookRows(h, { source_key: 'default', status: 'rejected' });
      expect(rows).to.have.length(1);
      expect(rows[0]?.last_error).to.match(/^signature_mismatch: /);
    });

    it('stores dev-route and connection rows apart', async () => {
      const eventId = newStripeEventId();
      const body = paymentEvent(eventId);

      const viaDefault = await postSignedStripe(h, '/webhooks/stripe', body);
      const viaConnection = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);

      expect(viaDefault.body.duplicate).to.equal(false);
      expect(viaConnection.body.duplicate).to.equal(false);
      expect(await webhookRows(h, { provider_event_id: eventId })).to.have.length(2);
    });
  });
});

describe('receiver: body limit of 2048 bytes', () => {
  let h: Harness;
  let connectionId: string;

  before(async () => {
    h = await startHarness({ env: { WEBHOOK_BODY_LIMIT_BYTES: '2048' } });
    connectionId = await createStripeConnection(h, [STRIPE_SECRET]);
  });

  after(async () => {
    await h.close();
  });

  it('accepts an event of exactly 2048 bytes', async () => {
    const body = stripeEventOfSize(2048);

    const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);

    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('ignored');
  });

  it('rejects an event of 2049 bytes with 413', async () => {
    const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, stripeEventOfSize(2049));

    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
  });

  it('rejects 4096 bytes with a rejected row', async () => {
    const ownConnectionId = await createStripeConnection(h, [STRIPE_SECRET]);
    const body = stripeEventOfSize(4096);

    const res = await postSignedStripe(h, `/webhooks/stripe/${ownConnectionId}`, body);

    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
    expect(res.body.error.message).to.include('2048');
    const rows = await webhookRows(h, { connection_id: ownConnectionId });
    expect(rows).to.have.length(1);
    expect(rows[0]?.status).to.equal('rejected');
    expect(rows[0]?.last_error).to.match(/^payload_too_large: /);
    expect(rows[0]?.organisation_id).to.equal(h.organisationId);
  });

  it('rejects a Content-Length over the limit with 413', async () => {
    const body = Buffer.alloc(65_536, 0x20);

    const res = await postFramed(
      `${h.baseUrl}/webhooks/stripe/${connectionId}`,
      { 'content-type': 'application/json', 'content-length': body.length, 'stripe-signature': stripeSignature(body, STRIPE_SECRET) },
      [body],
    );

    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
  });

  it('rejects a chunked body over the limit with 413', async () => {
    const body = stripeEventOfSize(4096);
    const chunks = [body.subarray(0, 1024), body.subarray(1024, 2048), body.subarray(2048, 3072), body.subarray(3072)];

    const res = await postFramed(
      `${h.baseUrl}/webhooks/stripe/${connectionId}`,
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'stripe-signature': stripeSignature(body, STRIPE_SECRET) },
      chunks,
    );

    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
  });

  it('rejects an oversized Razorpay body with 413', async () => {
    const { eventId } = await createRegistration(h, { currency: 'INR', amountDue: 100 });
    const body = Buffer.alloc(4096, 0x20);

    const res = await postRaw(h.baseUrl, `/webhooks/razorpay/${eventId}`, body, {
      'content-type': 'application/json',
      'x-razorpay-signature': razorpaySignature(body, RAZORPAY_SECRET),
      'x-razorpay-event-id': newRazorpayEventId(),
    });

    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
  });

  it('returns 404 before 413 for unknown connections', async () => {
    const res = await postSignedStripe(h, '/webhooks/stripe/pc_0000000000000000', stripeEventOfSize(4096));

    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_found');
  });
});

describe('receiver: rejected-row limit of 5 per minute', () => {
  let h: Harness;
  let connectionId: string;

  before(async () => {
    h = await startHarness({ env: { REJECTED_LOG_MAX_PER_MINUTE: '5' } });
    connectionId = await createStripeConnection(h, [STRIPE_SECRET]);
  });

  after(async () => {
    await h.close();
  });

  it('logs 5 of 20 rejected requests', async () => {
    const body = Buffer.from('{"id":"evt_rate_limit"}', 'utf8');
    const statuses: number[] = [];

    for (let i = 0; i < 20; i += 1) {
      const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body, OTHER_SECRET);
      statuses.push(res.status);
    }

    expect(statuses).to.deep.equal(new Array(20).fill(400));
    const rows = await webhookRows(h, { connection_id: connectionId });
    expect(rows).to.have.length(5);
    expect(rows.every((row) => row.status === 'rejected')).to.equal(true);
  });

  it('still accepts a good delivery after the limit', async () => {
    const eventId = newStripeEventId();
    const body = stripeFixture(FIXTURE, eventId);

    const res = await postSignedStripe(h, `/webhooks/stripe/${connectionId}`, body);

    expect(res.status).to.equal(200);
    expect(await webhookRows(h, { provider_event_id: eventId })).to.have.length(1);
  });

  it('counts the limit per connection', async () => {
    const otherConnectionId = await createStripeConnection(h, [STRIPE_SECRET]);

    const res = await postSignedStripe(h, `/webhooks/stripe/${otherConnectionId}`, Buffer.from('{}'), OTHER_SECRET);

    expect(res.status).to.equal(400);
    expect(await webhookRows(h, { connection_id: otherConnectionId })).to.have.length(1);
  });
});
