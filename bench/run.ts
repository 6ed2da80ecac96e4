import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../src/config/config.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { createDb, type Db } from '../src/db/knex.js';
import type { BenchContext } from './context.js';
import { runEndToEndPhase } from './end-to-end.js';
import { benchQueuePrefix, createBenchDatabase, deleteQueuePrefix, describeCommit, describeMachine, type BenchDatabase } from './environment.js';
import { INGEST_LEVELS, runIngestPhase, startNoopExpress } from './ingest.js';
import { DIST, killAllChildren, type BenchProcess } from './processes.js';
import { LOAD_AVERAGE_WARNING, evaluateChecks, formatReport, type BenchResults } from './report.js';
import { seedTenant } from './seed.js';
import { serviceEnv } from './service.js';
import { runStormPhase } from './storm.js';

const RESULTS_DIR = path.resolve(DIST, '..', 'bench', 'results');
const QUICK = { events: 2000, durationSeconds: 3 };
const DEFAULTS = { events: 20_000, durationSeconds: 10 };

function positiveInteger(name: string, minimum: number) {
  return (value: string) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < minimum) throw new InvalidArgumentError(`${name} must be an integer >= ${minimum}, got ${value}`);
    return parsed;
  };
}

/** Accepts only URLs on this machine: the benchmark creates and drops databases and floods the server it is given. */
function loopbackUrl(value: string): string {
  let host: string;
  try {
    host = new URL(value).hostname;
  } catch {
    throw new InvalidArgumentError(`${value} is not a URL`);
  }
  if (!/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(host)) throw new InvalidArgumentError(`${value} is not on loopback (127.0.0.0/8, localhost or [::1])`);
  return value;
}

const program = new Command()
  .name('npm run bench --')
  .description(
    'Benchmarks webhook ingest, end-to-end processing and a duplicate storm against no-op baselines measured in the same run.\n' +
      'Starts the built service (dist/) against a new database and Redis key prefix, removed at the end.\n' +
      'Service settings such as WORKER_CONCURRENCY and DATABASE_POOL_MAX are read from the environment.',
  )
  .option('--events <count>', `deliveries in the end-to-end phase (default ${DEFAULTS.events}; ${QUICK.events} with --quick)`, positiveInteger('--events', 100))
  .option('--duration <seconds>', `seconds per ingest level and target (default ${DEFAULTS.durationSeconds}; ${QUICK.durationSeconds} with --quick)`, positiveInteger('--duration', 1))
  .option('--quick', `a short run: --events ${QUICK.events} --duration ${QUICK.durationSeconds} unless given`)
  .option('--database-url <url>', 'Postgres server and database to connect to for CREATE DATABASE (loopback only)', loopbackUrl, 'postgres://postgres@127.0.0.1:5432/test')
  .option('--redis-url <url>', 'Redis server (loopback only)', loopbackUrl, 'redis://127.0.0.1:6379')
  .option('--no-write', 'print the table without writing bench/results/<date>.json');

const options = program.parse().opts<{ events?: number; duration?: number; quick?: boolean; databaseUrl: string; redisUrl: string; write: boolean }>();
const events = options.events ?? (options.quick === true ? QUICK.events : DEFAULTS.events);
const durationSeconds = options.duration ?? (options.quick === true ? QUICK.durationSeconds : DEFAULTS.durationSeconds);
const progress = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

let database: BenchDatabase | undefined;
let db: Db | undefined;
let noop: { process: BenchProcess; baseUrl: string } | undefined;
const queuePrefixes: string[] = [];
let cleaning: Promise<void> | undefined;

/** Stops every child, drops the database and deletes the Redis keys, once, after success, failure or Ctrl-C. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await noop?.process.stop().catch(() => undefined);
    killAllChildren();
    await db?.destroy().catch(() => undefined);
    if (database !== undefined) {
      await database.drop().catch((error: unknown) => progress(`could not drop database ${database?.name}: ${String(error)}`));
    }
    for (const prefix of queuePrefixes) {
      await deleteQueuePrefix(options.redisUrl, prefix).catch((error: unknown) => progress(`could not delete Redis keys ${prefix}:*: ${String(error)}`));
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping and cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

let logDir: string | undefined;
let failed = false;
try {
  const startedAt = new Date();
  const machine = await describeMachine(options.databaseUrl, options.redisUrl);
  const commit = await describeCommit(path.resolve(DIST, '..'));
  if (machine.loadAverageAtStart > LOAD_AVERAGE_WARNING) {
    progress(`1-minute load average is ${machine.loadAverageAtStart}: other processes are busy, so the figures will be low and noisy`);
  }
  const loadSamples: number[] = [];
  const loadTimer = setInterval(() => loadSamples.push(loadavg()[0] ?? 0), 1000);
  loadTimer.unref();
  logDir = await mkdtemp(path.join(tmpdir(), 'eventhex-bench-'));
  progress(`child process logs in ${logDir}`);

  database = await createBenchDatabase(options.databaseUrl);
  progress(`created and migrated database ${database.name}`);
  const encryptionKey = randomBytes(32).toString('base64');
  const stores = { databaseUrl: database.url, redisUrl: options.redisUrl, encryptionKey };
  const config = loadConfig(serviceEnv({ ...stores, queuePrefix: benchQueuePrefix() }, 1));
  db = createDb({ url: database.url, poolMax: 4, applicationName: 'eventhex-bench' });
  const tenant = await seedTenant(db, new SecretBox(config.encryptionKey));
  const context: BenchContext = { stores, queuePrefixes, tenant, db, logDir, progress };

  noop = await startNoopExpress(context);
  const ingest = await runIngestPhase(context, noop, { durationSeconds, levels: INGEST_LEVELS });
  const endToEnd = await runEndToEndPhase(context, events);
  const storm = await runStormPhase(context, noop.baseUrl);

  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine,
    commit,
    loadAverage: {
      max: Math.max(0, ...loadSamples),
      mean: loadSamples.length === 0 ? 0 : loadSamples.reduce((sum, value) => sum + value, 0) / loadSamples.length,
    },
    settings: {
      events,
      durationSeconds,
      levels: INGEST_LEVELS,
      workerConcurrency: config.worker.concurrency,
      databasePoolMax: config.databasePoolMax,
      logLevel: config.logLevel,
    },
    ingest,
    endToEnd,
    storm,
    sync: 'n/a: no sync destinations exist yet',
    checks: evaluateChecks(ingest, endToEnd, storm),
  };
  process.stdout.write(`\n${formatReport(results)}\n`);
  if (options.write) {
    await mkdir(RESULTS_DIR, { recursive: true });
    // ISO 8601 basic format, so the name has no colons.
    const file = path.join(RESULTS_DIR, `${results.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${path.relative(process.cwd(), file)}\n`);
  }
  failed = results.checks.some((check) => check.kind === 'correctness' && !check.met);
  if (failed) progress('a correctness check failed; child process logs are kept');
} catch (error) {
  failed = true;
  progress(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await cleanUp();
  if (logDir !== undefined) {
    if (failed) progress(`logs kept in ${logDir}`);
    else if (process.env["BENCH_KEEP_LOGS"] === undefined) await rm(logDir, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
