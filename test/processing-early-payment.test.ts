import { expect } from 'chai';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';
import {
  createRegistration,
  createStripeConnection,
  createTicketingEvent,
  getRegistration,
  postStripeEvent,
  stripePaymentSucceeded,
  uniqueId,
  waitUntilFinished,
} from './helpers/processing.js';

/** A payment whose registration is created only after the payment event arrived. */
describe('payment before its registration', () => {
  async function statusOf(h: Harness, id: number): Promise<{ status: string; last_error: string | null }> {
    return h.database.db('webhook_events').where({ id }).first('status', 'last_error');
  }

  async function confirmedLater(h: Harness, registrationId: string): Promise<void> {
    await waitFor(
      async () => ((await getRegistration(h, registrationId)).status === 'confirmed' ? true : undefined),
      10_000,
      `registration ${registrationId} to be confirmed`,
    );
  }

  describe('while the event waits', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ workers: true, env: { REGISTRATION_WAIT_ATTEMPTS: '20' } });
    });
    after(async () => {
      await h.close();
    });

    it('confirms once the registration exists', async () => {
      const eventId = await createTicketingEvent(h, { currency: 'USD' });
      const path = await createStripeConnection(h);
      const paymentIntentId = uniqueId('pi');
      const webhookEventId = await postStripeEvent(h, path, stripePaymentSucceeded({ registrationId: 'reg_NOTCREATEDYET01', paymentIntentId, amount: 4500 }));
      const waiting = await waitFor(async () => {
        const row = await statusOf(h, webhookEventId);
        return row.status === 'queued' && row.last_error !== null ? row : undefined;
      });
      expect(waiting.last_error).to.include('No registration found for payment');

      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD', provider_payment_id: paymentIntentId });
      await confirmedLater(h, registrationId);
      expect((await statusOf(h, webhookEventId)).status).to.equal('processed');
    });
  });

  describe('after the event failed', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ workers: true });
    });
    after(async () => {
      await h.close();
    });

    it('replays it when the registration is created', async () => {
      const eventId = await createTicketingEvent(h, { currency: 'USD' });
      const path = await createStripeConnection(h);
      const paymentIntentId = uniqueId('pi');
      const webhookEventId = await postStripeEvent(h, path, stripePaymentSucceeded({ registrationId: 'reg_NOTCREATEDYET02', paymentIntentId, amount: 4500 }));
      const failed = await waitUntilFinished(h, webhookEventId);
      expect(failed.status).to.equal('failed');
      expect(failed.last_error).to.match(/^registration_not_found: /);

      const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD', provider_payment_id: paymentIntentId });
      await confirmedLater(h, registrationId);
      const registration = await getRegistration(h, registrationId);
      expect(registration.amount_paid).to.equal(4500);
      expect(registration.payments).to.have.length(1);
    });
  });
});
