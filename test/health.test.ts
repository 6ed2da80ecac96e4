import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startHarness, waitFor, type Harness } from './helpers/harness.js';
import { freePort } from './helpers/receiver-requests.js';

describe('health endpoints', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.close();
  });

  async function get(path: string): Promise<{ status: number; body: any }> {
    const response = await fetch(`${h.baseUrl}${path}`);
    return { status: response.status, body: await response.json() };
  }

  it('healthz returns 200', async () => {
    const response = await get('/healthz');
    expect(response.status).to.equal(200);
    expect(response.body.status).to.equal('ok');
  });

  it('readyz returns 200 when all checks pass', async () => {
    const response = await get('/readyz');
    expect(response.status).to.equal(200);
    expect(response.body.checks.database.ok).to.equal(true);
    expect(response.body.checks.migrations.detail).to.equal('current');
    expect(response.body.checks.queue.detail).to.equal('maxmemory-policy noeviction');
    expect(response.body.checks.workers.ok).to.equal(true);
  });

  it('readyz returns 503 when work waits too long', async () => {
    const [row] = await h.database.db('webhook_events')
      .insert({ provider: 'stripe', source_key: 'default', provider_event_id: 'evt_stale_1', type: 'payment_intent.succeeded', status: 'queued', payload: '{}', updated_at: h.database.db.raw("now() - interval '10 minutes'") })
      .returning('id');
    const response = await get('/readyz');
    expect(response.status).to.equal(503);
    expect(response.body.checks.workers.ok).to.equal(false);
    expect(response.body.checks.workers.detail).to.match(/oldest waiting webhook event is \d+ s old/);
    await h.database.db('webhook_events').where({ id: (row as { id: number }).id }).delete();
  });

  it('readyz returns 503 when Redis may evict keys', async () => {
    const port = await freePort();
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'], { stdio: 'ignore' });
    try {
      await waitFor(async () => {
        const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG' ? true : undefined;
        } catch {
          return undefined;
        } finally {
          probe.disconnect();
        }
      });
      const evicting = await startHarness({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
      try {
        const response = await fetch(`${evicting.baseUrl}/readyz`);
        const body = (await response.json()) as { checks: { queue: { ok: boolean; detail: string } } };
        expect(response.status).to.equal(503);
        expect(body.checks.queue.detail).to.equal('maxmemory-policy is allkeys-lru; BullMQ needs noeviction');
      } finally {
        await evicting.close();
      }
    } finally {
      server.kill('SIGKILL');
    }
  });
});
