import { createApiKey, createOrganisation } from '../../../src/admin/organisations.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { RAZORPAY_SECRET, STRIPE_SECRET, testEnv } from '../../helpers/harness.js';
import { spawnService, type ServiceProcess } from '../../helpers/processes.js';
import { freePort } from '../../helpers/receiver-requests.js';
import { TEST_REDIS_URL, deletePrefix, uniquePrefix } from '../../helpers/redis.js';

/** Where a plan's deliveries go: a Stripe connection and a Razorpay-enabled ticketing event, with the registrations' events. */
export interface WebhookTargets {
  stripePath: string;
  razorpayPath: string;
  /** Ticketing event (USD) that Stripe registrations belong to. */
  usdEventId: string;
  /** Ticketing event (INR, with the Razorpay secret) that Razorpay registrations belong to. */
  inrEventId: string;
}

export interface ApiResponse {
  status: number;
  body: any;
}

/**
 * The service as separate processes (web and workers) on a database of its
 * own and a queue prefix of its own, plus a direct connection for checks.
 */
export interface FaultStack {
  /** Environment of the service processes. */
  env: NodeJS.ProcessEnv;
  database: TestDatabase;
  baseUrl: string;
  port: number;
  organisationId: string;
  apiKey: string;
  web: ServiceProcess | undefined;
  workers: ServiceProcess[];
  startWeb(): Promise<ServiceProcess>;
  startWorker(): Promise<ServiceProcess>;
  /** Sends SIGKILL to a worker, waits for it to exit and removes it from `workers`. */
  killWorker(worker: ServiceProcess): Promise<void>;
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  createTargets(): Promise<WebhookTargets>;
  /** The last `lines` lines of every process's output, for a failure message. */
  outputTail(lines?: number): string;
  /** Output lines of every process started so far, killed ones included, that match `pattern`. */
  outputLines(pattern: RegExp): string[];
  close(): Promise<void>;
}

export interface FaultStackOptions {
  /** Overrides of the test environment (testEnv) for every service process. */
  env?: Record<string, string>;
  /** Rewrites the per-file database URL the processes use, for example to go through a proxy. */
  serviceDatabaseUrl?: (directUrl: string) => string;
  /** Redis the processes use. Its keys under the prefix are deleted at close unless `ownRedis` is set. */
  redisUrl?: string;
  /** True when the Redis belongs to the test (it is stopped afterwards), so its keys are not deleted. */
  ownRedis?: boolean;
}

/** Creates a database, an organisation and an API key, then starts the web process. Workers start on request. */
export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const database = await createTestDatabase();
  // A commit waited about 10 ms for the WAL flush on the 2-core development machine (200 single-row INSERTs through
  // psql took 1.95 s), and the runs commit tens of thousands of times. The tests never crash Postgres, so commits that
  // return before the flush lose nothing here. The setting applies to new sessions of this database only (the service
  // processes connect later), and the server's own settings are untouched.
  const databaseName = new URL(database.url).pathname.slice(1);
  await database.db.raw('ALTER DATABASE ?? SET synchronous_commit = off', [databaseName]);
  const prefix = uniquePrefix();
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const port = await freePort();
  // Nothing listens on this port, so any call the service makes to the Stripe API fails at once on loopback.
  const stripeApiPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...testEnv(database, prefix, {
      REDIS_URL: redisUrl,
      DATABASE_URL: options.serviceDatabaseUrl?.(database.url) ?? database.url,
      PORT: String(port),
      STRIPE_API_BASE_URL: `http://127.0.0.1:${stripeApiPort}`,
      // The processes' readiness lines ("web listening", "workers started") are info lines.
      LOG_LEVEL: 'info',
      ...options.env,
    }),
  };
  const organisation = await createOrganisation(database.db, 'Fault test organisation');
  const key = await createApiKey(database.db, organisation.id);
  const baseUrl = `http://127.0.0.1:${port}`;
  const finished: ServiceProcess[] = [];

  const stack: FaultStack = {
    env,
    database,
    baseUrl,
    port,
    organisationId: organisation.id,
    apiKey: key.key,
    web: undefined,
    workers: [],
    async startWeb() {
      const web = spawnService('src/server.js', env);
      stack.web = web;
      await web.waitForOutput(/web listening/, 30_000);
      return web;
    },
    async startWorker() {
      const worker = spawnService('workers/index.js', env);
      stack.workers.push(worker);
      await worker.waitForOutput(/workers started/, 30_000);
      return worker;
    },
    async killWorker(worker) {
      worker.child.kill('SIGKILL');
      await worker.waitForExit(10_000);
      stack.workers = stack.workers.filter((candidate) => candidate !== worker);
      finished.push(worker);
    },
    async api(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Kept as text, so a failure message shows what came back.
      }
      return { status: response.status, body: parsed };
    },
    async createTargets() {
      const connection = await stack.api('POST', '/api/v1/payment-connections', { provider: 'stripe', webhook_secrets: [STRIPE_SECRET], livemode: false });
      if (connection.status !== 201) throw new Error(`Creating a payment connection returned ${connection.status}: ${JSON.stringify(connection.body)}`);
      const usd = await stack.api('POST', '/api/v1/events', { name: 'Fault test USD event', currency: 'USD' });
      if (usd.status !== 201) throw new Error(`Creating an event returned ${usd.status}: ${JSON.stringify(usd.body)}`);
      const inr = await stack.api('POST', '/api/v1/events', { name: 'Fault test INR event', currency: 'INR', razorpay_webhook_secret: RAZORPAY_SECRET });
      if (inr.status !== 201) throw new Error(`Creating an event returned ${inr.status}: ${JSON.stringify(inr.body)}`);
      return {
        stripePath: `/webhooks/stripe/${connection.body.id as string}`,
        razorpayPath: `/webhooks/razorpay/${inr.body.id as string}`,
        usdEventId: usd.body.id as string,
        inrEventId: inr.body.id as string,
      };
    },
    outputTail(lines = 15) {
      const all = [...(stack.web === undefined ? [] : [['web', stack.web] as const]), ...stack.workers.map((worker, index) => [`worker ${index}`, worker] as const)];
      return all
        .map(([name, service]) => `--- ${name} (last ${lines} lines)\n${service.output().trimEnd().split('\n').slice(-lines).join('\n')}`)
        .join('\n');
    },
    outputLines(pattern) {
      const services = [...(stack.web === undefined ? [] : [stack.web]), ...stack.workers, ...finished];
      return services.flatMap((service) => service.output().split('\n').filter((line) => pattern.test(line)));
    },
    async close() {
      const running = [...stack.workers, ...(stack.web === undefined ? [] : [stack.web]), ...finished];
      for (const service of running) {
        if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
      }
      await Promise.allSettled(running.map((service) => service.waitForExit(10_000)));
      stack.workers = [];
      stack.web = undefined;
      await database.drop();
      if (options.ownRedis !== true) await deletePrefix(redisUrl, prefix);
    },
  };
  await stack.startWeb();
  return stack;
}
