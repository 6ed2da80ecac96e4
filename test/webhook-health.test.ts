import { expect } from 'chai';
import { createLogger } from '../src/logger.js';
import { checkWebhookHealth } from '../workers/webhook-health.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

describe('webhook health warnings', () => {
  let database: TestDatabase;
  const logger = createLogger({ env: 'test', level: 'error' });
  let sequence = 0;

  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database.drop();
  });

  async function insert(sourceKey: string, status: string, minutesAgo: number): Promise<void> {
    sequence += 1;
    await database.db('webhook_events').insert({
      provider: 'stripe',
      source_key: sourceKey,
      provider_event_id: status === 'rejected' ? null : `evt_health_${sequence}`,
      type: 'payment_intent.succeeded',
      status,
      received_at: database.db.raw(`now() - interval '${minutesAgo} minutes'`),
    });
  }

  it('warns about a quiet source and a failing one', async () => {
    await insert('connection:pc_QUIET', 'processed', 600);
    for (let i = 0; i < 4; i += 1) await insert('connection:pc_FAILING', 'rejected', 5);
    await insert('connection:pc_FAILING', 'processed', 5);
    for (let i = 0; i < 10; i += 1) await insert('connection:pc_HEALTHY', 'processed', 5);

    const warnings = await checkWebhookHealth({ db: database.db, logger, quietAfterMs: 6 * 60 * 60 * 1000, failureRate: 0.2 });

    expect(warnings.map((warning) => `${warning.source} ${warning.kind}`).sort()).to.deep.equal(['connection:pc_FAILING failing', 'connection:pc_QUIET quiet']);
    expect(warnings.find((warning) => warning.kind === 'failing')?.detail).to.equal('4 of 5 deliveries failed in the last hour');
  });
});
