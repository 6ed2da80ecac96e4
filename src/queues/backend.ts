import { Queue, Worker, createPostgresBackend, withBackend, type QueueOptions, type WorkerOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/config.js';

/**
 * The BullMQ classes and connection options for the configured backend:
 * Redis normally, or BullMQ's PostgreSQL backend when no Redis exists (the
 * development fallback).
 */
export interface QueueBackend {
  kind: 'redis' | 'postgres';
  Queue: typeof Queue;
  Worker: typeof Worker;
  /**
   * Options for a producer connection. `failFast` (the web process) rejects
   * commands at once while Redis is down; otherwise commands wait for it.
   */
  producerOptions(failFast: boolean): QueueOptions;
  /** Options for worker connections, which wait and reconnect. */
  workerOptions(): Pick<WorkerOptions, 'connection' | 'prefix'>;
  /** Checks the queue store; for Redis also reads `maxmemory-policy`, which must be `noeviction` or BullMQ may lose jobs. */
  check(): Promise<{ ok: boolean; detail: string }>;
  /** Closes connections this backend created itself. */
  close(): Promise<void>;
}

export function createQueueBackend(config: Config['queue'], databaseUrl: string): QueueBackend {
  if (config.backend === 'postgres') return postgresBackend(databaseUrl);
  if (config.redisUrl === undefined) throw new Error('REDIS_URL is required for the Redis queue backend');
  return redisBackend(config.redisUrl, config.prefix);
}

function redisBackend(redisUrl: string, prefix: string): QueueBackend {
  const clients: Redis[] = [];
  let healthClient: Redis | undefined;
  return {
    kind: 'redis',
    Queue,
    Worker,
    producerOptions(failFast) {
      if (!failFast) return { connection: { url: redisUrl } as never, prefix };
      // No offline queue and one retry: when Redis is down, `add` rejects at
      // once and the receiver still returns 200 because the row is stored.
      const options: RedisOptions = {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: 2000,
        retryStrategy: (times) => Math.min(times * 200, 2000),
        // Commands issued in the same event-loop tick go out in one write, so concurrent enqueues share round trips.
        enableAutoPipelining: true,
      };
      const client = new Redis(redisUrl, options);
      client.on('error', () => undefined);
      clients.push(client);
      return { connection: client, prefix };
    },
    workerOptions() {
      return { connection: { url: redisUrl, maxRetriesPerRequest: null } as never, prefix };
    },
    async check() {
      let client = healthClient;
      if (client === undefined) {
        client = new Redis(redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000, lazyConnect: true });
        client.on('error', () => undefined);
        clients.push(client);
        healthClient = client;
      }
      try {
        if (client.status === 'wait') await client.connect();
        await client.ping();
        // Managed Redis services may disable CONFIG; that is reported, not treated as down.
        const policy = await client.config('GET', 'maxmemory-policy').then(
          (reply) => (reply as string[])[1] ?? 'unknown',
          () => 'unknown',
        );
        if (policy !== 'noeviction' && policy !== 'unknown') return { ok: false, detail: `maxmemory-policy is ${policy}; BullMQ needs noeviction` };
        return { ok: true, detail: `maxmemory-policy ${policy}` };
      } catch (error) {
        return { ok: false, detail: `Redis did not reply: ${(error as Error).message}` };
      }
    },
    async close() {
      await Promise.allSettled(clients.map((client) => client.quit()));
    },
  };
}

function postgresBackend(databaseUrl: string): QueueBackend {
  const classes = withBackend(createPostgresBackend);
  // `migrate: true` creates BullMQ's own tables in schema `bullmq` on first use.
  const connection = { connectionString: databaseUrl, schema: 'bullmq', migrate: true };
  return {
    kind: 'postgres',
    Queue: classes.Queue as unknown as typeof Queue,
    Worker: classes.Worker as unknown as typeof Worker,
    producerOptions: () => ({ connection }) as unknown as QueueOptions,
    workerOptions: () => ({ connection }) as unknown as Pick<WorkerOptions, 'connection'>,
    check: async () => ({ ok: true, detail: 'queues run on PostgreSQL' }),
    close: async () => undefined,
  };
}
