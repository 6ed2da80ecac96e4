import type { Config } from './config/config.js';
import { SecretBox } from './crypto/secret-box.js';
import { createDb, type Db } from './db/knex.js';
import type { Logger } from './logger.js';
import { createQueueBackend, type QueueBackend } from './queues/backend.js';
import { WebhookProducer, webhookJobOptions } from './queues/producer.js';

/** The collaborators every process builds from config; only entry points call this. */
export interface Services {
  db: Db;
  box: SecretBox;
  backend: QueueBackend;
  producer: WebhookProducer;
  close(): Promise<void>;
}

/**
 * Builds the collaborators of one process. The web process's producer fails
 * fast when Redis is down (the sweeper enqueues later); the worker's waits.
 */
export function createServices(config: Config, role: 'web' | 'worker', logger?: Logger): Services {
  const db = createDb({ url: config.databaseUrl, poolMax: config.databasePoolMax, applicationName: `eventhex-${role}`, logger });
  const backend = createQueueBackend(config.queue, config.databaseUrl);
  const jobOptions = webhookJobOptions({ attempts: config.worker.attempts, backoffMs: config.worker.backoffMs });
  const producer = new WebhookProducer(backend, jobOptions, { failFast: role === 'web' });
  return {
    db,
    box: new SecretBox(config.encryptionKey),
    backend,
    producer,
    async close() {
      await producer.close();
      await backend.close();
      await db.destroy();
    },
  };
}
