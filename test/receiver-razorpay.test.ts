import { expect } from 'chai';
import { RAZORPAY_SECRET, startHarness, type Harness } from './helpers/harness.js';
import { fixtureWith } from './helpers/fixtures.js';
import {
  RAZORPAY_FIXTURE_REGISTRATION,
  createRegistration,
  jobsForRow,
  newRazorpayEventId,
  postRaw,
  webhookRows,
} from './helpers/receiver-requests.js';
import { razorpaySignature } from './helpers/sign.js';

const FIXTURE = 'razorpay.payment.captured.json';
const OTHER_SECRET = 'rzp_webhook_secret_other_0002';

describe('receiver: Razorpay', () => {
  let h: Harness;
  let eventId: string;
  let body: Buffer;

  before(async () => {
    h = await startHarness();
    const created = await createRegistration(h, { currency: 'INR', amountDue: 149900 });
    eventId = created.eventId;
    body = fixtureWith(FIXTURE, { [RAZORPAY_FIXTURE_REGISTRATION]: created.registrationId });
  });

  after(async () => {
    await h.close();
  });

  function post(headers: Record<string, string>, rawBody = body, path = `/webhooks/razorpay/${eventId}`) {
    return postRaw(h.baseUrl, path, rawBody, { 'content-type': 'application/json', ...headers });
  }

  it('accepts a correct hex HMAC', async () => {
    const providerEventId = newRazorpayEventId();

    const res = await h.postRazorpay(eventId, body, providerEventId);

    expect(res.status).to.equal(200);
    expect(res.body.duplicate).to.equal(false);
    const rows = await webhookRows(h, { provider_event_id: providerEventId });
    expect(rows).to.have.length(1);
    const row = rows[0]!;
    expect(row.provider).to.equal('razorpay');
    expect(row.status).to.equal('queued');
    expect(row.source_key).to.equal(`event:${eventId}`);
    expect(row.event_id).to.equal(eventId);
    expect(row.organisation_id).to.equal(h.organisationId);
    expect(row.type).to.equal('payment.captured');
    expect(row.livemode).to.equal(null);
    expect(row.delivery_count).to.equal(1);
    expect(row.payload).to.equal(body.toString('utf8'));
  });

  it('rejects a body signed with another secret', async () => {
    const res = await h.postRazorpay(eventId, body, newRazorpayEventId(), { secret: OTHER_SECRET });

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('signature_mismatch');
  });

  it('accepts an uppercase hex signature', async () => {
    const providerEventId = newRazorpayEventId();
    const signature = razorpaySignature(body, RAZORPAY_SECRET).toUpperCase();

    const res = await h.postRazorpay(eventId, body, providerEventId, { signature });

    expect(res.status).to.equal(200);
    const rows = await webhookRows(h, { provider_event_id: providerEventId });
    expect(rows).to.have.length(1);
  });

  describe('malformed X-Razorpay-Signature', () => {
    const cases: { name: string; signature: string; code: string }[] = [
      { name: 'non-hex characters', signature: 'zz'.repeat(32), code: 'malformed_signature' },
      { name: 'a short hex value', signature: 'abcdef0123', code: 'malformed_signature' },
      { name: '63 hex characters', signature: 'a'.repeat(63), code: 'malformed_signature' },
      { name: '65 hex characters', signature: 'a'.repeat(65), code: 'malformed_signature' },
      { name: 'base64 of a digest', signature: Buffer.alloc(32, 7).toString('base64'), code: 'malformed_signature' },
      { name: 'a Stripe-style header', signature: `t=1,v1=${'a'.repeat(64)}`, code: 'malformed_signature' },
      { name: 'an empty value', signature: '', code: 'missing_signature' },
    ];
    for (const testCase of cases) {
      it(`rejects ${testCase.name} with 400`, async () => {
        const res = await h.postRazorpay(eventId, body, newRazorpayEventId(), { signature: testCase.signature });

        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal(testCase.code);
      });
    }
  });

  it('rejects a request without X-Razorpay-Signature', async () => {
    const res = await post({ 'x-razorpay-event-id': newRazorpayEventId() });

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('missing_signature');
  });

  it('rejects a request without x-razorpay-event-id', async () => {
    const res = await post({ 'x-razorpay-signature': razorpaySignature(body, RAZORPAY_SECRET) });

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('invalid_event');
  });

  it('rejects an x-razorpay-event-id of 256 characters', async () => {
    const res = await h.postRazorpay(eventId, body, 'e'.repeat(256));

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('invalid_event');
  });

  it('accepts an x-razorpay-event-id of 255 characters', async () => {
    const providerEventId = 'e'.repeat(255);

    const res = await h.postRazorpay(eventId, body, providerEventId);

    expect(res.status).to.equal(200);
    const rows = await webhookRows(h, { provider_event_id: providerEventId });
    expect(rows).to.have.length(1);
  });

  it('rejects an event with no Razorpay secret', async () => {
    const unsigned = await createRegistration(h, { currency: 'INR', amountDue: 100, razorpaySecret: null });

    const res = await h.postRazorpay(unsigned.eventId, body, newRazorpayEventId());

    expect(res.status).to.equal(400);
    expect(res.body.error.code).to.equal('no_secret_configured');
    const rows = await webhookRows(h, { event_id: unsigned.eventId });
    expect(rows).to.have.length(1);
    expect(rows[0]?.status).to.equal('rejected');
    expect(rows[0]?.organisation_id).to.equal(h.organisationId);
  });

  it('returns 404 for an unknown tev_ id', async () => {
    const unknown = 'tev_0000000000000000';

    const res = await h.postRazorpay(unknown, body, newRazorpayEventId());

    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_found');
    const rows = await webhookRows(h, { source_key: `event:${unknown}` });
    expect(rows).to.have.length(1);
    expect(rows[0]?.status).to.equal('rejected');
    expect(rows[0]?.provider).to.equal('razorpay');
    expect(rows[0]?.organisation_id).to.equal(null);
  });

  it('returns 404 for a junk event id', async () => {
    const res = await post(
      { 'x-razorpay-signature': razorpaySignature(body, RAZORPAY_SECRET), 'x-razorpay-event-id': newRazorpayEventId() },
      body,
      `/webhooks/razorpay/${encodeURIComponent('../../etc')}`,
    );

    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('not_found');
    const rows = await webhookRows(h, { source_key: 'event:../../etc' });
    expect(rows).to.have.length(1);
    expect(rows[0]?.status).to.equal('rejected');
  });

  it('de-duplicates on x-razorpay-event-id', async () => {
    const providerEventId = newRazorpayEventId();

    const first = await h.postRazorpay(eventId, body, providerEventId);
    const second = await h.postRazorpay(eventId, body, providerEventId);

    expect(first.status).to.equal(200);
    expect(second.status).to.equal(200);
    expect(first.body.duplicate).to.equal(false);
    expect(second.body.duplicate).to.equal(true);
    expect(second.body.webhook_event_id).to.equal(first.body.webhook_event_id);
    const rows = await webhookRows(h, { provider_event_id: providerEventId });
    expect(rows).to.have.length(1);
    expect(rows[0]?.delivery_count).to.equal(2);
    const jobs = await jobsForRow(h, 'payments', rows[0]!.id);
    expect(jobs).to.have.length(1);
  });

  it('stores one body under two ids', async () => {
    const firstId = newRazorpayEventId();
    const secondId = newRazorpayEventId();

    const first = await h.postRazorpay(eventId, body, firstId);
    const second = await h.postRazorpay(eventId, body, secondId);

    expect(first.status).to.equal(200);
    expect(second.status).to.equal(200);
    expect(second.body.duplicate).to.equal(false);
    const firstRows = await webhookRows(h, { provider_event_id: firstId });
    const secondRows = await webhookRows(h, { provider_event_id: secondId });
    expect(firstRows).to.have.length(1);
    expect(secondRows).to.have.length(1);
    expect(firstRows[0]?.delivery_count).to.equal(1);
    expect(secondRows[0]?.delivery_count).to.equal(1);
    expect(firstRows[0]?.job_id).to.not.equal(secondRows[0]?.job_id);
  });

  describe('BullMQ job ids from unusual event ids', () => {
    const cases = [
      { name: 'an all-digit id', providerEventId: '1234567890123' },
      { name: 'an id containing colons', providerEventId: 'evt:2026:01:payment' },
      { name: 'an id of only a colon', providerEventId: ':' },
      { name: 'an id with spaces and slashes', providerEventId: 'evt 42/a b\\c' },
    ];
    for (const testCase of cases) {
      it(`enqueues ${testCase.name}`, async () => {
        const res = await h.postRazorpay(eventId, body, testCase.providerEventId);

        expect(res.status).to.equal(200);
        const rows = await webhookRows(h, { provider_event_id: testCase.providerEventId });
        expect(rows).to.have.length(1);
        const row = rows[0]!;
        expect(row.status).to.equal('queued');
        const jobId = row.job_id;
        expect(jobId).to.be.a('string');
        expect(jobId).to.not.include(':');
        expect(jobId).to.not.match(/^\d+$/);
        const job = await h.services.producer.queue('payments').getJob(jobId!);
        expect(job).to.not.equal(undefined);
        expect(job?.id).to.equal(jobId);
        expect(job?.data.webhookEventId).to.equal(row.id);
      });
    }

    it('gives digit and digit-colon ids distinct jobs', async () => {
      const plain = '20260101';
      const colons = '2026:01:01';
      const sanitised = '2026_01_01';

      for (const providerEventId of [plain, colons, sanitised]) {
        const res = await h.postRazorpay(eventId, body, providerEventId);
        expect(res.status).to.equal(200);
      }

      const rows = await h.database.db('webhook_events').whereIn('provider_event_id', [plain, colons, sanitised]).select<{ job_id: string }[]>('job_id');
      expect(rows).to.have.length(3);
      expect(new Set(rows.map((row) => row.job_id)).size).to.equal(3);
    });
  });
});
