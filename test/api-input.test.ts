import { expect } from 'chai';
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

  async function raw(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
    const response = await fetch(`${h.baseUrl}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: await response.json() };
  }

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
