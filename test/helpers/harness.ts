import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKey, createOrganisation } from '../../src/admin/organisations.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createApp } from '../../src/http/app.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { Metrics } from '../../src/metrics/registry.js';
import { createServices, type Services } from '../../src/services.js';
import { startWorkerPool, type WorkerPool } from '../../workers/worker-pool.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from './redis.js';
import { razorpaySignature, stripeSignature } from './sign.js';

export const STRIPE_SECRET = 'whsec_test_fixture_secret_0001';
export const RAZORPAY_SECRET = 'rzp_webhook_secret_fixture_0001';

/** Builds the base test environment: real Postgres and Redis, short waits so retries finish within a test. */
export function testEnv(database: TestDatabase, prefix: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
    JOB_BACKOFF_MS: '50',
    JOB_ATTEMPTS: '3',
    REFUND_WAIT_BASE_MS: '100',
    REFUND_WAIT_MAX_MS: '400',
    // Most tests want a missing registration to fail at once; a test that waits sets this.
    REGISTRATION_WAIT_ATTEMPTS: '0',
    SWEEPER_INTERVAL_MS: '500',
    SWEEPER_MIN_AGE_MS: '200',
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'error',
    ...overrides,
  };
}

export interface Harness {
  /** The environment the harness was configured from, for starting service processes against the same stores. */
  env: NodeJS.ProcessEnv;
  config: Config;
  database: TestDatabase;
  services: Services;
  logger: Logger;
  baseUrl: string;
  organisationId: string;
  apiKey: string;
  workers: WorkerPool | undefined;
  startWorkers(metrics?: Metrics): Promise<WorkerPool>;
  api(method: string, path: string, body?: unknown, apiKey?: string): Promise<{ status: number; body: any }>;
  postStripe(path: string, rawBody: Buffer, options?: { secret?: string; timestamp?: number; signature?: string }): Promise<{ status: number; body: any }>;
  postRazorpay(eventId: string, rawBody: Buffer, providerEventId: string, options?: { secret?: string; signature?: string }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Starts the web app on a free port with a database and queue prefix of its own; workers start on request. */
export async function startHarness(options: { workers?: boolean; env?: Record<string, string> } = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const prefix = uniquePrefix();
  const env = testEnv(database, prefix, options.env);
  const config = loadConfig(env);
  const logger = createLogger({ env: 'test', level: config.logLevel });
  const services = createServices(config, 'web', logger);
  let workerServices: Services | undefined;
  const server: Server = createApp(config, services, logger).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const organisation = await createOrganisation(database.db, 'Test organisation');
  const key = await createApiKey(database.db, organisation.id);

  const harness: Harness = {
    env,
    config,
    database,
    services,
    logger,
    baseUrl,
    organisationId: organisation.id,
    apiKey: key.key,
    workers: undefined,
    async startWorkers(metrics?: Metrics) {
      // Workers get their own services, as in production, so their producer waits for Redis instead of failing fast.
      workerServices ??= createServices(config, 'worker', logger);
      harness.workers = await startWorkerPool(config, workerServices, logger, metrics);
      return harness.workers;
    },
    async api(method, path, body, apiKey = key.key) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async postStripe(path, rawBody, opts = {}) {
      const signature = opts.signature ?? stripeSignature(rawBody, opts.secret ?? STRIPE_SECRET, opts.timestamp);
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: rawBody,
      });
      return { status: response.status, body: await response.json() };
    },
    async postRazorpay(eventId, rawBody, providerEventId, opts = {}) {
      const signature = opts.signature ?? razorpaySignature(rawBody, opts.secret ?? RAZORPAY_SECRET);
      const response = await fetch(`${baseUrl}/webhooks/razorpay/${eventId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-razorpay-signature': signature, 'x-razorpay-event-id': providerEventId },
        body: rawBody,
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      await harness.workers?.close(true);
      await workerServices?.producer.close();
      await workerServices?.backend.close();
      await workerServices?.db.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.producer.close();
      await services.backend.close();
      await database.drop();
      await deletePrefix(TEST_REDIS_URL, prefix);
    },
  };
  if (options.workers === true) await harness.startWorkers();
  return harness;
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until a webhook log row reaches one of the given statuses and returns it. */
export async function waitForWebhookStatus(harness: Harness, id: number, statuses: string[], timeoutMs = 10_000): Promise<{ status: string; last_error: string | null; attempts: number }> {
  return waitFor(
    async () => {
      const row = await harness.database.db('webhook_events').where({ id }).first('status', 'last_error', 'attempts');
      return row !== undefined && statuses.includes(row.status) ? row : undefined;
    },
    timeoutMs,
    `webhook event ${id} to reach ${statuses.join('/')}`,
  );
}
