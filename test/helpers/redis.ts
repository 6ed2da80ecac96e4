import { deleteQueuePrefix } from '../../src/queues/delete-prefix.js';
import { randomBytes } from 'node:crypto';

/** The shared Redis on this machine and in CI; tests isolate themselves with a key prefix. */
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(): string {
  return `ehx-test-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under a BullMQ prefix. */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  await deleteQueuePrefix(redisUrl, prefix);
}
