import { expect } from 'chai';
import { Batcher } from '../src/receiver/batcher.js';
import { SourceCache } from '../src/receiver/source-cache.js';
import type { WebhookSource } from '../src/receiver/sources.js';
import { STRIPE_SECRET, startHarness, type Harness } from './helpers/harness.js';
import { STRIPE_FIXTURE_REGISTRATION, createRegistration, createStripeConnection, newStripeEventId, postRaw, stripeFixture, webhookRows } from './helpers/receiver-requests.js';
import { stripeSignature } from './helpers/sign.js';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const fulfilled = <T>(value: T): PromiseSettledResult<T> => ({ status: 'fulfilled', value });

function stripeSource(secrets: string[]): WebhookSource {
  return { provider: 'stripe', sourceKey: 'connection:pc_TEST', organisationId: 'org_TEST', connectionId: 'pc_TEST', eventId: null, secrets, livemode: false };
}

describe('receiver batching', () => {
  describe('Batcher', () => {
    it('runs a lone item at once', async () => {
      const batches: number[][] = [];
      const batcher = new Batcher<number, number>(async (items) => {
        batches.push(items);
        return items.map((item) => fulfilled(item * 2));
      }, { maxBatch: 10, maxInFlight: 1 });

      expect(await batcher.submit(3)).to.equal(6);
      expect(batches).to.deep.equal([[3]]);
    });

    it('groups items that wait for a batch', async () => {
      const gate = deferred<void>();
      const batches: number[][] = [];
      const batcher = new Batcher<number, number>(async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate.promise;
        return items.map((item) => fulfilled(item));
      }, { maxBatch: 3, maxInFlight: 1 });

      const results = [1, 2, 3, 4, 5, 6].map((item) => batcher.submit(item));
      gate.resolve();

      expect(await Promise.all(results)).to.deep.equal([1, 2, 3, 4, 5, 6]);
      expect(batches).to.deep.equal([[1], [2, 3, 4], [5, 6]]);
    });

    it('puts equal keys in separate batches', async () => {
      const gate = deferred<void>();
      const batches: string[][] = [];
      const batcher = new Batcher<string, string>(async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate.promise;
        return items.map((item) => fulfilled(item));
      }, { maxBatch: 10, maxInFlight: 1, keyOf: (item) => item });

      const results = ['first', 'a', 'a', 'b', 'a'].map((item) => batcher.submit(item));
      gate.resolve();
      await Promise.all(results);

      expect(batches).to.deep.equal([['first'], ['a', 'b'], ['a'], ['a']]);
    });

    it('fails only the items the batch rejected', async () => {
      const batcher = new Batcher<number, number>(
        async (items) => items.map((item) => (item === 2 ? { status: 'rejected', reason: new Error('bad item 2') } : fulfilled(item))),
        { maxBatch: 10, maxInFlight: 1 },
      );

      const results = await Promise.allSettled([1, 2, 3].map((item) => batcher.submit(item)));

      expect(results.map((result) => result.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    });

    it('fails every item when the batch throws', async () => {
      const batcher = new Batcher<number, number>(async () => {
        throw new Error('database down');
      }, { maxBatch: 10, maxInFlight: 1 });

      const results = await Promise.allSettled([1, 2].map((item) => batcher.submit(item)));

      expect(results.map((result) => result.status)).to.deep.equal(['rejected', 'rejected']);
    });
  });

  describe('SourceCache', () => {
    it('reuses a found source until it expires', async () => {
      let clock = 0;
      let loads = 0;
      const cache = new SourceCache(1000, 10, () => clock);
      const load = async () => {
        loads += 1;
        return stripeSource(['whsec_a']);
      };

      expect((await cache.get('connection:pc_TEST', load)).cached).to.equal(false);
      expect((await cache.get('connection:pc_TEST', load)).cached).to.equal(true);
      clock = 1000;
      expect((await cache.get('connection:pc_TEST', load)).cached).to.equal(false);
      expect(loads).to.equal(2);
    });

    it('does not cache an unknown source', async () => {
      let loads = 0;
      const cache = new SourceCache();
      const load = async () => {
        loads += 1;
        return undefined;
      };

      await cache.get('connection:pc_MISSING', load);
      await cache.get('connection:pc_MISSING', load);

      expect(loads).to.equal(2);
    });

    it('shares one load between concurrent misses', async () => {
      const gate = deferred<WebhookSource>();
      let loads = 0;
      const cache = new SourceCache();
      const load = () => {
        loads += 1;
        return gate.promise;
      };

      const lookups = [cache.get('connection:pc_TEST', load), cache.get('connection:pc_TEST', load)];
      gate.resolve(stripeSource(['whsec_a']));
      await Promise.all(lookups);

      expect(loads).to.equal(1);
    });

    it('reload replaces the cached secrets', async () => {
      let secret = 'whsec_old';
      const cache = new SourceCache();
      const load = async () => stripeSource([secret]);
      await cache.get('connection:pc_TEST', load);

      secret = 'whsec_new';
      await cache.reload('connection:pc_TEST', load);
      const { source, cached } = await cache.get('connection:pc_TEST', load);

      expect(cached).to.equal(true);
      expect(source?.secrets).to.deep.equal(['whsec_new']);
    });

    it('drops the oldest entry when full', async () => {
      let loads = 0;
      const cache = new SourceCache(60_000, 2);
      const load = async () => {
        loads += 1;
        return stripeSource(['whsec_a']);
      };

      for (const key of ['a', 'b', 'c', 'a']) await cache.get(key, load);

      expect(loads).to.equal(4);
    });
  });

  describe('receiver', () => {
    let h: Harness;

    before(async () => {
      h = await startHarness({ workers: false });
    });

    after(async () => {
      await h.close();
    });

    it('stores 40 concurrent deliveries once each', async () => {
      const connectionId = await createStripeConnection(h, [STRIPE_SECRET]);
      const { registrationId } = await createRegistration(h, { currency: 'USD', amountDue: 4500 });
      const eventIds = Array.from({ length: 40 }, () => newStripeEventId());

      const responses = await Promise.all(
        eventIds.map((eventId) => {
          const body = stripeFixture('stripe.payment_intent.succeeded.json', eventId, { [STRIPE_FIXTURE_REGISTRATION]: registrationId });
          return postRaw(h.baseUrl, `/webhooks/stripe/${connectionId}`, body, { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, STRIPE_SECRET) });
        }),
      );

      expect(responses.map((res) => res.status)).to.deep.equal(new Array(40).fill(200));
      expect(responses.map((res) => res.body.status)).to.deep.equal(new Array(40).fill('queued'));
      expect(new Set(responses.map((res) => res.body.webhook_event_id)).size).to.equal(40);
      for (const [index, eventId] of eventIds.entries()) {
        const rows = await webhookRows(h, { provider_event_id: eventId });
        expect(rows, eventId).to.have.length(1);
        expect(rows[0]?.id, eventId).to.equal(responses[index]?.body.webhook_event_id);
        expect(rows[0]?.status, eventId).to.equal('queued');
      }
    });

    it('accepts a new secret while the old one is cached', async () => {
      const connectionId = await createStripeConnection(h, [STRIPE_SECRET]);
      const post = (secret: string) => {
        const body = stripeFixture('stripe.payment_intent.succeeded.json', newStripeEventId());
        return postRaw(h.baseUrl, `/webhooks/stripe/${connectionId}`, body, { 'content-type': 'application/json', 'stripe-signature': stripeSignature(body, secret) });
      };
      expect((await post(STRIPE_SECRET)).status).to.equal(200);

      const newSecret = 'whsec_test_replacement_secret_0009';
      await h.database.db('payment_connections').where({ id: connectionId }).update({ webhook_secrets: h.services.box.sealList([newSecret]) });

      expect((await post(newSecret)).status).to.equal(200);
    });
  });
});
