import type { Config } from './config/config.js';
import { SecretBox } from './crypto/secret-box.js';
import { createDb, type Db } from './db/knex.js';
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

export function createServices(config: Config, applicationName: string): Services {
  const db = createDb({ url: config.databaseUrl, poolMax: config.databasePoolMax, applicationName });
  const backend = createQueueBackend(config.queue, config.databaseUrl);
  const producer = new WebhookProducer(backend, webhookJobOptions({ attempts: config.worker.attempts, backoffMs: config.worker.backoffMs }));
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
