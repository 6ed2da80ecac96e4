import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The shared Redis on this machine and in CI; tests isolate themselves with a key prefix. */
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(): string {
  return `ehx-test-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under a BullMQ prefix. */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
