import knexPkg, { type Knex } from 'knex';
import pg from 'pg';
import type { Logger } from '../logger.js';

// Postgres returns int8 (bigserial ids, sums) as strings; every value this
// service stores in int8 stays below 2^53, so numbers are safe and simpler.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export type Db = Knex;

/** Creates the knex pool; nothing connects until the first query. */
export function createDb(options: { url: string; poolMax: number; applicationName?: string; logger?: Logger | undefined }): Db {
  const { logger } = options;
  return knexPkg.knex({
    // knex prints pool warnings to the console unless given a logger.
    log: {
      warn: (message: string) => logger?.warn('knex', { message }),
      error: (message: string) => logger?.error('knex', { message }),
      deprecate: (message: string) => logger?.warn('knex deprecation', { message }),
      debug: (message: string) => logger?.debug('knex', { message }),
    },
    client: 'pg',
    connection: { connectionString: options.url, application_name: options.applicationName ?? 'eventhex' },
    pool: { min: 0, max: options.poolMax },
    acquireConnectionTimeout: 5000,
  });
}

/** Returns true when a statement broke a unique constraint (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Returns true when Postgres could not be reached or did not respond in time, as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03', '53300'].includes(code)) {
    return true;
  }
  return error.name === 'KnexTimeoutError' || /Connection terminated|timeout exceeded when trying to connect/i.test(error.message);
}
