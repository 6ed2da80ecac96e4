import { expect } from 'chai';
import { createLogger } from '../src/logger.js';
import { pruneWebhookPayloads } from '../workers/retention.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

describe('webhook payload retention', () => {
  let database: TestDatabase;
  const logger = createLogger({ env: 'test', level: 'error' });

  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database.drop();
  });

  async function insertRow(status: string, ageDays: number): Promise<number> {
    const [row] = await database.db('webhook_events')
      .insert({
        provider: 'stripe',
        source_key: 'default',
        provider_event_id: `evt_${status}_${ageDays}_${Math.random().toString(36).slice(2)}`,
        type: 'payment_intent.succeeded',
        status,
        payload: '{"id":"evt"}',
        search_keys: ['pi_kept'],
        received_at: database.db.raw(`now() - interval '${ageDays} days'`),
      })
      .returning('id');
    return (row as { id: number }).id;
  }

  async function payloadOf(id: number): Promise<{ payload: string | null; search_keys: string[] }> {
    return database.db('webhook_events').where({ id }).first('payload', 'search_keys');
  }

  it('prunes by status and age, keeping metadata', async () => {
    const oldProcessed = await insertRow('processed', 31);
    const newProcessed = await insertRow('processed', 29);
    const oldIgnored = await insertRow('ignored', 31);
    const failedPastProcessedWindow = await insertRow('failed', 31);
    const oldFailed = await insertRow('failed', 91);
    const oldQueued = await insertRow('queued', 200);

    const pruned = await pruneWebhookPayloads({ db: database.db, logger, processedDays: 30, failedDays: 90 });

    expect(pruned).to.equal(3);
    expect((await payloadOf(oldProcessed)).payload).to.equal(null);
    expect((await payloadOf(oldProcessed)).search_keys).to.deep.equal(['pi_kept']);
    expect((await payloadOf(newProcessed)).payload).to.equal('{"id":"evt"}');
    expect((await payloadOf(oldIgnored)).payload).to.equal(null);
    expect((await payloadOf(failedPastProcessedWindow)).payload).to.equal('{"id":"evt"}');
    expect((await payloadOf(oldFailed)).payload).to.equal(null);
    expect((await payloadOf(oldQueued)).payload).to.equal('{"id":"evt"}');
  });
});
