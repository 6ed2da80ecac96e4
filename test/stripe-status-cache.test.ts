import { expect } from 'chai';
import type { EndpointStatus } from '../src/stripe-endpoints/status.js';
import { EndpointStatusCache } from '../src/stripe-endpoints/status-cache.js';

/** Counts loads and returns the status given for each. */
function loader(status: EndpointStatus | null | Error) {
  const calls = { count: 0 };
  const load = async (): Promise<EndpointStatus | null> => {
    calls.count += 1;
    if (status instanceof Error) throw status;
    return status;
  };
  return { calls, load };
}

describe('Stripe endpoint status cache', () => {
  let now: number;
  const clock = () => now;
  const enabled: EndpointStatus = { id: 'we_cache1', status: 'enabled' };

  beforeEach(() => {
    now = 1_000_000;
  });

  it('reuses a status within the TTL', async () => {
    const cache = new EndpointStatusCache(60_000, clock);
    const { calls, load } = loader(enabled);
    expect(await cache.read('pc_1:we_cache1', load)).to.deep.equal(enabled);
    now += 59_999;
    expect(await cache.read('pc_1:we_cache1', load)).to.deep.equal(enabled);
    expect(calls.count).to.equal(1);
  });

  it('reads again after the TTL', async () => {
    const cache = new EndpointStatusCache(60_000, clock);
    const { calls, load } = loader(enabled);
    await cache.read('pc_1:we_cache1', load);
    now += 60_000;
    await cache.read('pc_1:we_cache1', load);
    expect(calls.count).to.equal(2);
  });

  it('shares one in-flight read', async () => {
    const cache = new EndpointStatusCache(60_000, clock);
    const { calls, load } = loader(enabled);
    const [first, second] = await Promise.all([cache.read('pc_1:we_cache1', load), cache.read('pc_1:we_cache1', load)]);
    expect(first).to.deep.equal(enabled);
    expect(second).to.deep.equal(enabled);
    expect(calls.count).to.equal(1);
  });

  it('keeps keys apart', async () => {
    const cache = new EndpointStatusCache(60_000, clock);
    const { calls, load } = loader(enabled);
    await cache.read('pc_1:we_cache1', load);
    await cache.read('pc_2:we_cache2', load);
    expect(calls.count).to.equal(2);
  });

  it('does not keep an unknown status', async () => {
    const cache = new EndpointStatusCache(60_000, clock);
    const unknown: EndpointStatus = { id: 'we_cache1', status: 'unknown', error: { code: 'stripe_timeout', message: 'timed out' } };
    const { calls, load } = loader(unknown);
    expect((await cache.read('pc_1:we_cache1', load))?.status).to.equal('unknown');
    await cache.read('pc_1:we_cache1', load);
    expect(calls.count).to.equal(2);
  });

  it('does not keep a failed read', async () => {
    const cache = new EndpointStatusCache(60_000, clock);
    const { calls, load } = loader(new Error('decrypt failed'));
    let message = '';
    await cache.read('pc_1:we_cache1', load).catch((error: Error) => (message = error.message));
    expect(message).to.equal('decrypt failed');
    await cache.read('pc_1:we_cache1', load).catch(() => undefined);
    expect(calls.count).to.equal(2);
  });

  it('reads every time with a TTL of 0', async () => {
    const cache = new EndpointStatusCache(0, clock);
    const { calls, load } = loader(enabled);
    await cache.read('pc_1:we_cache1', load);
    await cache.read('pc_1:we_cache1', load);
    expect(calls.count).to.equal(2);
  });
});
