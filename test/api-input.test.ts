import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { SecretBox } from '../src/crypto/secret-box.js';
import { startHarness, type Harness } from './helpers/harness.js';
import { createRegistration, createStripeConnection, createTicketingEvent, getRegistration, postStripeEvent, uniqueId, waitUntilFinished } from './helpers/processing.js';
import { fixtureWith } from './helpers/fixtures.js';

describe('API and webhook input edge cases', () => {
  let h: Harness;
  let eventId: string;

  before(async () => {
    h = await startHarness({ workers: true });
    eventId = await createTicketingEvent(h, { currency: 'USD' });
  });
  after(async () => {
    await h.close();
  });

  async function raw(path: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; body: any }> {
    const response = await fetch(`${h.baseUrl}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: await response.json() };
  }

  const authorised = () => ({ authorization: `Bearer ${h.apiKey}` });
  const registrationBody = (fields: Record<string, unknown>) => ({ email: 'a@example.com', name: 'A', amount_due: 100, ...fields });

  describe('webhook log filters', () => {
    const invalid: [string, string][] = [
      ['since=-010000-01-01T00:00:00Z', 'since'],
      ['until=-271821-04-20T00:00:00Z', 'until'],
      ['since=2026-02-30', 'since'],
      ['since=1', 'since'],
      ['since=2026-01-31T14:05:00', 'since'],
      ['until=yesterday', 'until'],
    ];
    for (const [query, field] of invalid) {
      it(`rejects ${query} with 400`, async () => {
        const response = await h.api('GET', `/api/v1/webhook-events?${query}`);
        expect(response.status).to.equal(400);
        expect(response.body.error.code).to.equal('invalid_request');
        expect(response.body.error.message).to.match(new RegExp(`^Invalid query field ${field}: must be an ISO 8601 date or date-time with a time zone`));
      });
    }

    it('accepts a date and a date-time with an offset', async () => {
      const response = await h.api('GET', '/api/v1/webhook-events?since=2026-01-31&until=2026-02-01T10:00:00%2B05:30');
      expect(response.status).to.equal(200);
      expect(response.body.data).to.deep.equal([]);
    });

    for (const limit of ['0x10', '1e2', '0', '501', '10.5', '+5']) {
      it(`rejects limit=${limit}`, async () => {
        const response = await h.api('GET', `/api/v1/webhook-events?limit=${encodeURIComponent(limit)}`);
        expect(response.status).to.equal(400);
        expect(response.body.error.message).to.equal('Invalid query field limit: must be a whole number from 1 to 500');
      });
    }

    it('rejects an empty type', async () => {
      const response = await h.api('GET', '/api/v1/webhook-events?type=');
      expect(response.status).to.equal(400);
      expect(response.body.error.message).to.match(/^Invalid query field type: /);
    });

    it('hints at an unencoded + in an offset', async () => {
      const response = await h.api('GET', '/api/v1/webhook-events?since=2026-12-05T00:00:00+01:00');
      expect(response.status).to.equal(400);
      expect(response.body.error.message).to.match(/; encode the \+ of an offset as %2B$/);
    });

    it('rejects a query parameter on a route that takes none', async () => {
      const response = await h.api('POST', `/api/v1/events/${eventId}/registrations?foo=1`, registrationBody({}));
      expect(response.status).to.equal(400);
      expect(response.body.error.message).to.equal('Unknown query field foo');
    });

    it('rejects a repeated parameter', async () => {
      const response = await h.api('GET', '/api/v1/webhook-events?since=2026-01-01&since=2026-02-01');
      expect(response.status).to.equal(400);
      expect(response.body.error.message).to.equal('Invalid query field since: given more than once');
    });

    it('rejects an unknown parameter', async () => {
      const response = await h.api('GET', '/api/v1/webhook-events?stauts=failed');
      expect(response.status).to.equal(400);
      expect(response.body.error.message).to.equal('Unknown query field stauts');
    });
  });

  describe('request bodies', () => {
    it('rejects an unknown body field', async () => {
      const response = await h.api('POST', `/api/v1/events/${eventId}/registrations`, registrationBody({ extra: 1 }));
      expect(response.status).to.equal(400);
      expect(response.body.error.message).to.equal('Unknown body field extra');
    });

    it('rejects a JSON body sent as text/plain with 415', async () => {
      const response = await raw(`/api/v1/events/${eventId}/registrations`, JSON.stringify(registrationBody({})), { ...authorised(), 'content-type': 'text/plain' });
      expect(response.status).to.equal(415);
      expect(response.body.error).to.deep.equal({ code: 'unsupported_media_type', message: 'Request body must be JSON sent with Content-Type: application/json, not text/plain' });
    });

    it('rejects a corrupt gzip body with 400', async () => {
      const corrupt = gzipSync(JSON.stringify(registrationBody({}))).subarray(0, 20);
      const response = await raw(`/api/v1/events/${eventId}/registrations`, corrupt, { ...authorised(), 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('invalid_body');
    });

    it('rejects invalid JSON with invalid_json', async () => {
      const response = await raw(`/api/v1/events/${eventId}/registrations`, 'null', { ...authorised(), 'content-type': 'application/json' });
      expect(response.status).to.equal(400);
      expect(response.body.error).to.deep.equal({ code: 'invalid_json', message: 'Request body is not valid JSON; send a JSON object' });
    });

    it('rejects invalid percent-encoding in an API path', async () => {
      const response = await h.api('GET', '/api/v1/registrations/%E0%A4%A');
      expect(response.status).to.equal(400);
      expect(response.body.error).to.deep.equal({ code: 'invalid_path', message: 'Request path is not valid percent-encoding' });
    });
  });

  describe('registration currency and free registrations', () => {
    it('rejects a currency other than the event', async () => {
      const response = await h.api('POST', `/api/v1/events/${eventId}/registrations`, registrationBody({ currency: 'INR' }));
      expect(response.status).to.equal(400);
      expect(response.body.error.message).to.equal("Invalid body field currency: INR does not match the event's currency USD; omit it to use the event's");
    });

    it("takes the event's currency when omitted", async () => {
      const response = await h.api('POST', `/api/v1/events/${eventId}/registrations`, registrationBody({}));
      expect(response.status).to.equal(201);
      expect(response.body.currency).to.equal('USD');
      expect(response.body.status).to.equal('pending_payment');
    });

    it('rejects a second registration for one provider_payment_id', async () => {
      const providerPaymentId = uniqueId('pi');
      const first = await h.api('POST', `/api/v1/events/${eventId}/registrations`, registrationBody({ provider_payment_id: providerPaymentId }));
      const second = await h.api('POST', `/api/v1/events/${eventId}/registrations`, registrationBody({ provider_payment_id: providerPaymentId }));
      expect(first.status).to.equal(201);
      expect(second.status).to.equal(409);
      expect(second.body.error).to.deep.equal({ code: 'provider_payment_id_taken', message: `provider_payment_id ${providerPaymentId} already belongs to registration ${first.body.id}` });
    });

    it('lets one of two racing registrations take a provider_payment_id', async () => {
      const providerPaymentId = uniqueId('pi');
      const responses = await Promise.all(
        Array.from({ length: 4 }, () => h.api('POST', `/api/v1/events/${eventId}/registrations`, registrationBody({ provider_payment_id: providerPaymentId }))),
      );
      expect(responses.map((response) => response.status).sort()).to.deep.equal([201, 409, 409, 409]);
      const rows = await h.database.db('registrations').where({ provider_payment_id: providerPaymentId }).count<{ count: number }[]>({ count: '*' });
      expect(Number(rows[0]?.count)).to.equal(1);
    });

    it('confirms a free registration at once', async () => {
      const response = await h.api('POST', `/api/v1/events/${eventId}/registrations`, registrationBody({ amount_due: 0 }));
      expect(response.status).to.equal(201);
      expect(response.body.status).to.equal('confirmed');
      expect(response.body.amount_paid).to.equal(0);
    });
  });

  it('answers 500 for undecryptable secrets', async () => {
    const path = await createStripeConnection(h);
    const connectionId = path.split('/').pop() as string;
    const otherKey = new SecretBox(Buffer.alloc(32, 7));
    await h.database.db('payment_connections').where({ id: connectionId }).update({ webhook_secrets: otherKey.sealList(['whsec_sealedWithAnotherKey']) });
    const logged: string[] = [];
    const capture = (info: { message: string }) => logged.push(info.message);
    h.logger.on('data', capture);
    try {
      const response = await h.postStripe(path, fixtureWith('stripe.payment_intent.succeeded.json', { evt_3RfxT0Kq8ZbW2mNa1pQ8rS9t: uniqueId('evt') }));
      expect(response.status).to.equal(500);
      expect(response.body.error.message).to.equal('The webhook could not be verified; retry later');
    } finally {
      h.logger.off('data', capture);
    }
    expect(logged).to.include('webhook not verified: stored secrets do not decrypt');
  });

  it('rejects NUL in a registration name with 400', async () => {
    const response = await h.api('POST', `/api/v1/events/${eventId}/registrations`, { email: 'a@example.com', name: 'Nul\u0000Name', amount_due: 100, currency: 'USD' });
    expect(response.status).to.equal(400);
    expect(response.body.error.message).to.equal('Strings must not contain the NUL character (\\u0000)');
  });

  it('rejects NUL in an event name with 400', async () => {
    const response = await h.api('POST', '/api/v1/events', { name: 'Conf\u0000', currency: 'USD' });
    expect(response.status).to.equal(400);
  });

  it('rejects an unknown currency code', async () => {
    const response = await h.api('POST', `/api/v1/events/${eventId}/registrations`, { email: 'a@example.com', name: 'A', amount_due: 100, currency: 'XYZ' });
    expect(response.status).to.equal(400);
    expect(response.body.error.message).to.equal('Invalid body field currency: must be an ISO 4217 currency code such as USD or INR');
  });

  it('accepts a lower-case currency code', async () => {
    const id = await createRegistration(h, eventId, { amount_due: 100, currency: 'usd' });
    expect((await getRegistration(h, id)).currency).to.equal('USD');
  });

  it('answers 401 before parsing a body without a key', async () => {
    const response = await raw('/api/v1/events', '{not json', { 'content-type': 'application/json' });
    expect(response.status).to.equal(401);
  });

  it('names the limit for an oversized API body', async () => {
    const response = await raw('/api/v1/events', JSON.stringify({ name: 'x'.repeat(200_000), currency: 'USD' }), {
      'content-type': 'application/json',
      authorization: `Bearer ${h.apiKey}`,
    });
    expect(response.status).to.equal(413);
    expect(response.body.error.message).to.equal('Request body exceeds the 100kb limit');
  });

  it('processes a signed event whose strings contain NUL', async () => {
    const path = await createStripeConnection(h);
    const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
    const paymentIntentId = uniqueId('pi');
    const body = fixtureWith('stripe.payment_intent.succeeded.json', {
      evt_3RfxT0Kq8ZbW2mNa1pQ8rS9t: `${uniqueId('evt')}\\u0000x`,
      reg_01JF8T4K2M9QZ: registrationId,
      pi_3RfxT0Kq8ZbW2mNa1cD4eF5g: paymentIntentId,
      'DevConf 2026 - General Admission x1': 'Nul \\u0000 in a description',
    });
    const id = await postStripeEvent(h, path, body);
    expect((await waitUntilFinished(h, id)).status).to.equal('processed');
    expect((await getRegistration(h, registrationId)).status).to.equal('confirmed');
  });
});
