import { expect } from 'chai';
import { createApiKey, createOrganisation } from '../src/admin/organisations.js';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';
import {
  createRegistration,
  createStripeConnection,
  createTicketingEvent,
  getRegistration,
  insertRegistration,
  postStripeEvent,
  stripePaymentSucceeded,
  uniqueId,
  waitUntilFinished,
} from './helpers/processing.js';

describe('webhook log API', () => {
  let h: Harness;
  let eventId: string;
  let webhookPath: string;

  before(async () => {
    h = await startHarness({ workers: true });
    eventId = await createTicketingEvent(h, { currency: 'USD' });
    webhookPath = await createStripeConnection(h);
  });
  after(async () => {
    await h.close();
  });

  /** Pays a fresh registration and returns the ids involved once the event is processed. */
  async function paidRegistration(): Promise<{ registrationId: string; paymentIntentId: string; webhookEventId: number }> {
    const registrationId = await createRegistration(h, eventId, { amount_due: 4500, currency: 'USD' });
    const paymentIntentId = uniqueId('pi');
    const webhookEventId = await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId, amount: 4500 }));
    const row = await waitUntilFinished(h, webhookEventId);
    expect(row.status).to.equal('processed');
    return { registrationId, paymentIntentId, webhookEventId };
  }

  async function list(query: string): Promise<{ id: number }[]> {
    const response = await h.api('GET', `/api/v1/webhook-events?${query}`);
    expect(response.status).to.equal(200);
    return response.body.data;
  }

  describe('search', () => {
    it('finds an event by PaymentIntent id', async () => {
      const { paymentIntentId, webhookEventId } = await paidRegistration();
      const rows = await list(`q=${paymentIntentId}`);
      expect(rows.map((row) => row.id)).to.deep.equal([webhookEventId]);
    });

    it('finds an event by registration id', async () => {
      const { registrationId, webhookEventId } = await paidRegistration();
      const rows = await list(`q=${registrationId}`);
      expect(rows.map((row) => row.id)).to.deep.equal([webhookEventId]);
    });

    it('finds an event by email, ignoring case', async () => {
      const { webhookEventId } = await paidRegistration();
      // The fixture's receipt_email.
      const rows = await list('q=Asha.Verma@Example.com&limit=500');
      expect(rows.map((row) => row.id)).to.include(webhookEventId);
    });

    it('uses the search key index', async () => {
      const plan = await h.database.db.transaction(async (trx) => {
        // Tiny test tables make a sequential scan cheapest, so it is switched off to show the index is usable.
        await trx.raw('SET LOCAL enable_seqscan = off');
        return trx.raw<{ rows: { 'QUERY PLAN': string }[] }>("EXPLAIN SELECT id FROM webhook_events WHERE search_keys @> ARRAY['pi_x']::text[]");
      });
      const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).to.include('webhook_events_search_keys_gin');
    });

    it('filters by type and time range', async () => {
      const before = new Date(Date.now() - 1000).toISOString();
      const { webhookEventId } = await paidRegistration();
      const after = new Date(Date.now() + 1000).toISOString();
      const inRange = await list(`type=payment_intent.succeeded&since=${before}&until=${after}`);
      expect(inRange.map((row) => row.id)).to.include(webhookEventId);
      const wrongType = await list(`type=charge.refunded&since=${before}`);
      expect(wrongType).to.have.length(0);
      const tooEarly = await list(`until=${before}&q=${webhookEventId}`);
      expect(tooEarly).to.have.length(0);
    });

    it('rejects an invalid since with 400', async () => {
      const response = await h.api('GET', '/api/v1/webhook-events?since=yesterday');
      expect(response.status).to.equal(400);
      expect(response.body.error.code).to.equal('invalid_request');
    });

    it('pages with next_cursor', async () => {
      await paidRegistration();
      await paidRegistration();
      const first = await h.api('GET', '/api/v1/webhook-events?limit=1');
      expect(first.body.data).to.have.length(1);
      expect(first.body.next_cursor).to.be.a('string');
      const second = await h.api('GET', `/api/v1/webhook-events?limit=1&cursor=${first.body.next_cursor}`);
      expect(second.body.data[0].id).to.be.below(first.body.data[0].id);
    });
  });

  describe('replay', () => {
    it('replays a failed event once its registration exists', async () => {
      const paymentIntentId = uniqueId('pi');
      // The metadata names no registration yet, so the first run fails.
      const webhookEventId = await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId: 'reg_DOESNOTEXIST0001', paymentIntentId, amount: 4500 }));
      const failed = await waitUntilFinished(h, webhookEventId);
      expect(failed.status).to.equal('failed');

      const registrationId = await insertRegistration(h, eventId, 'reg_DOESNOTEXIST0001', { amount_due: 4500, currency: 'USD' });
      const response = await h.api('POST', `/api/v1/webhook-events/${webhookEventId}/replay`);
      expect(response.status).to.equal(202);
      expect(response.body.job_id).to.match(/-replay-\d+$/);
      const row = await waitFor(async () => {
        const current = await h.database.db('webhook_events').where({ id: webhookEventId }).first('status', 'replay_count');
        return current.status === 'processed' ? current : undefined;
      });
      expect(row.replay_count).to.equal(1);
      const registration = await getRegistration(h, registrationId);
      expect(registration.status).to.equal('confirmed');
      expect(registration.amount_paid).to.equal(4500);
    });

    it('replaying a processed event changes nothing', async () => {
      const { registrationId, webhookEventId } = await paidRegistration();
      const before = await getRegistration(h, registrationId);
      const response = await h.api('POST', `/api/v1/webhook-events/${webhookEventId}/replay`);
      expect(response.status).to.equal(202);
      await waitFor(async () => {
        const current = await h.database.db('webhook_events').where({ id: webhookEventId }).first('status');
        return current.status === 'processed' ? current : undefined;
      });
      const after = await getRegistration(h, registrationId);
      expect(after.updated_at).to.equal(before.updated_at);
      expect(after.payments).to.have.length(1);
      expect(after.amount_paid).to.equal(4500);
    });

    it('rejects replay of a rejected delivery with 409', async () => {
      const bad = await fetch(`${h.baseUrl}${webhookPath}`, { method: 'POST', headers: { 'stripe-signature': 't=1,v1=00' }, body: '{}' });
      expect(bad.status).to.equal(400);
      const rejected = await h.database.db('webhook_events').where({ status: 'rejected' }).orderBy('id', 'desc').first('id');
      const response = await h.api('POST', `/api/v1/webhook-events/${rejected.id}/replay`);
      expect(response.status).to.equal(409);
      expect(response.body.error.code).to.equal('not_replayable');
    });

    it('returns 404 for another organisation', async () => {
      const { webhookEventId } = await paidRegistration();
      const other = await createOrganisation(h.database.db, 'Other');
      const otherKey = await createApiKey(h.database.db, other.id);
      const replay = await h.api('POST', `/api/v1/webhook-events/${webhookEventId}/replay`, undefined, otherKey.key);
      expect(replay.status).to.equal(404);
      const read = await h.api('GET', `/api/v1/webhook-events/${webhookEventId}`, undefined, otherKey.key);
      expect(read.status).to.equal(404);
    });

    it('replays failed events in a tracked batch', async () => {
      const since = new Date().toISOString();
      const registrationIds = ['reg_BATCHREPLAY00001', 'reg_BATCHREPLAY00002', 'reg_BATCHREPLAY00003'];
      for (const registrationId of registrationIds) {
        const id = await postStripeEvent(h, webhookPath, stripePaymentSucceeded({ registrationId, paymentIntentId: uniqueId('pi'), amount: 4500 }));
        expect((await waitUntilFinished(h, id)).status).to.equal('failed');
      }
      for (const registrationId of registrationIds) await insertRegistration(h, eventId, registrationId, { amount_due: 4500, currency: 'USD' });

      const response = await h.api('POST', '/api/v1/webhook-events/replay', { provider: 'stripe', since });
      expect(response.status).to.equal(202);
      expect(response.body.total).to.equal(3);
      expect(response.body.queued).to.equal(3);
      const batch = await waitFor(async () => {
        const status = await h.api('GET', `/api/v1/webhook-events/replay-batches/${response.body.id}`);
        return status.body.done === true ? status.body : undefined;
      });
      expect(batch.processed).to.equal(3);
      expect(batch.failed).to.equal(0);
      for (const registrationId of registrationIds) expect((await getRegistration(h, registrationId)).status).to.equal('confirmed');
    });

    it('rejects an unknown bulk filter field with 400', async () => {
      const response = await h.api('POST', '/api/v1/webhook-events/replay', { status: 'processed' });
      expect(response.status).to.equal(400);
    });
  });
});
