export { deleteQueuePrefix } from '../src/queues/delete-prefix.js';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DIST } from './processes.js';

const run = promisify(execFile);

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a database of the benchmark's own on the server of `adminUrl` and
 * migrates it with the release command, `node dist/src/cli/index.js migrate`.
 */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `eventhex_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database: BenchDatabase = {
    name,
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
  try {
    await run(process.execPath, [path.join(DIST, 'src/cli/index.js'), 'migrate'], { env: { PATH: process.env['PATH'], DATABASE_URL: database.url } });
  } catch (error) {
    await database.drop();
    throw new Error(`Migrating ${name} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  return database;
}

/** Returns a queue prefix of the benchmark's own, so its BullMQ keys never mix with another user's. */
export function benchQueuePrefix(): string {
  return `eventhex-bench-${randomBytes(5).toString('hex')}`;
}

/** Returns the checked-out commit of the repository at `root`, with a mark when the tree has changes, or `unknown`. */
export async function describeCommit(root: string): Promise<string> {
  try {
    const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })).stdout.trim();
    const changes = (await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root })).stdout.trim();
    return changes === '' ? head : `${head} with uncommitted changes`;
  } catch {
    return 'unknown';
  }
}

export interface MachineInfo {
  cpuCount: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  redis: string;
  /** 1-minute load average when the run started; above about 0.5 other work was using the CPUs. */
  loadAverageAtStart: number;
}

/** Describes the machine and the versions of the stores the benchmark ran against. */
export async function describeMachine(adminUrl: string, redisUrl: string): Promise<MachineInfo> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  let postgres: string;
  try {
    postgres = String((await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version);
  } finally {
    await admin.end();
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let redisVersion: string;
  try {
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
  } finally {
    redis.disconnect();
  }
  return {
    cpuCount: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres,
    redis: redisVersion,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
