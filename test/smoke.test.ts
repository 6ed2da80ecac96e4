import { expect } from 'chai';
import { fixtureWith } from './helpers/fixtures.js';
import { startHarness, waitForWebhookStatus, type Harness } from './helpers/harness.js';

describe('smoke', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ workers: true });
  });
  after(async () => {
    await h.close();
  });

  it('confirms a registration from a signed payment_intent.succeeded', async () => {
    const event = await h.api('POST', '/api/v1/events', { name: 'DevConf', currency: 'USD' });
    expect(event.status).to.equal(201);
    const reg = await h.api('POST', `/api/v1/events/${event.body.id}/registrations`, { email: 'a@example.com', name: 'A', amount_due: 4500, currency: 'USD' });
    expect(reg.status).to.equal(201);
    const conn = await h.api('POST', '/api/v1/payment-connections', { provider: 'stripe', webhook_secrets: ['whsec_test_fixture_secret_0001'], livemode: false });
    expect(conn.status).to.equal(201);
    const body = fixtureWith('stripe.payment_intent.succeeded.json', { reg_01JF8T4K2M9QZ: reg.body.id });
    const res = await h.postStripe(`/webhooks/stripe/${conn.body.id}`, body);
    expect(res.status).to.equal(200);
    await waitForWebhookStatus(h, res.body.webhook_event_id, ['processed', 'failed']);
    const after = await h.api('GET', `/api/v1/registrations/${reg.body.id}`);
    expect(after.body.status).to.equal('confirmed');
    expect(after.body.amount_paid).to.equal(4500);
  });
});
