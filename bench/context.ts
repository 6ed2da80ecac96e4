import type { Db } from '../src/db/knex.js';
import type { BenchTenant } from './seed.js';
import type { ServiceStores } from './service.js';

/** State shared by the phases: the stores, the seeded tenant and a folder for child process logs. */
export interface BenchContext {
  /** Database, Redis and encryption key shared by all phases; each phase sets its own queue prefix. */
  stores: Omit<ServiceStores, 'queuePrefix'>;
  /** Queue prefixes used so far, deleted at the end. */
  queuePrefixes: string[];
  tenant: BenchTenant;
  /** The benchmark's own pool on the benchmark database, for seeding and checks (not for the service). */
  db: Db;
  logDir: string;
  /** Prints a progress line to stderr, so stdout keeps only the table. */
  progress(message: string): void;
}

/** Webhook log statuses of rows the worker has not finished yet. */
export const UNFINISHED_STATUSES = ['received', 'queued', 'processing'];

/** Counts webhook log rows with an id above `afterId` that the worker has not finished yet. */
export async function countUnfinished(db: Db, afterId: number): Promise<number> {
  const row = await db('webhook_events').where('id', '>', afterId).whereIn('status', UNFINISHED_STATUSES).count<{ count: number }[]>({ count: '*' }).first();
  return Number(row?.count ?? 0);
}

/** Returns the highest webhook log id so far, so a phase can count only the rows it creates. */
export async function lastWebhookEventId(db: Db): Promise<number> {
  const row = await db('webhook_events').max<{ max: number | null }[]>({ max: 'id' }).first();
  return Number(row?.max ?? 0);
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
