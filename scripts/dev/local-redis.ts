import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/logger.js';

/** Port of the throwaway Redis, away from the usual 6379 so both can run. */
const EMBEDDED_PORT = 63790;

export interface LocalQueueStore {
  /** Undefined when no Redis exists and BullMQ's PostgreSQL backend is used instead. */
  redisUrl: string | undefined;
  mode: 'env' | 'local' | 'embedded' | 'postgres';
  stop(): Promise<void>;
}

async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Picks the development Redis. `REDIS_URL` wins when set. Next comes Redis on
 * 127.0.0.1:6379 if it replies to PING, then a throwaway `redis-server` from
 * PATH under `.data/redis`. With none of these, BullMQ runs on Postgres.
 */
export async function resolveQueueStore(env: NodeJS.ProcessEnv, dataDir: string, logger: Logger): Promise<LocalQueueStore> {
  const forceEmbedded = env['EVENTHEX_EMBEDDED'] === '1';
  if (!forceEmbedded && env['REDIS_URL'] !== undefined) return { redisUrl: env['REDIS_URL'], mode: 'env', stop: async () => undefined };
  if (!forceEmbedded && (await answersPing('redis://127.0.0.1:6379'))) {
    logger.info('using local Redis', { host: '127.0.0.1:6379' });
    return { redisUrl: 'redis://127.0.0.1:6379', mode: 'local', stop: async () => undefined };
  }

  if (spawnSync('redis-server', ['--version']).error !== undefined) {
    logger.warn('no redis-server on PATH: queues run on BullMQ\'s PostgreSQL backend (schema "bullmq" in the dev database)');
    return { redisUrl: undefined, mode: 'postgres', stop: async () => undefined };
  }
  const dir = path.join(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const child = spawn('redis-server', ['--port', String(EMBEDDED_PORT), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${EMBEDDED_PORT}`;
  for (let attempt = 0; attempt < 50 && !(await answersPing(url)); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  logger.info('started a throwaway Redis', { port: EMBEDDED_PORT, dir });
  return {
    redisUrl: url,
    mode: 'embedded',
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

