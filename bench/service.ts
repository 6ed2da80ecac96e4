import path from 'node:path';
import { freePort, startProcess, waitForHttp, type BenchProcess } from './processes.js';

/** Worker log lines the benchmark counts, from the worker's JSON logs (NODE_ENV=production). */
export const WORKER_LOG = {
  started: /"message":"workers started"/,
  /** A job put back to wait for what its event refers to, such as a refund for a payment not applied yet. */
  delayed: /"message":"job delayed: /,
  failed: /"message":"job failed/,
  /** A payment's worker ran the refunds waiting for it (one line per payment). */
  woken: /"message":"refunds waiting for their payment run now"/,
  /** A refund ran again at once because its payment landed while the job was being delayed. */
  promotedAfterDelay: /"message":"payment arrived while the refund was delayed/,
  retried: /"message":"job failed; will retry"/,
};

/** Start-up bound for each service process, milliseconds. */
const START_TIMEOUT_MS = 30_000;

export interface ServiceStores {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  encryptionKey: string;
}

/**
 * Builds the environment of the service processes: the caller's environment
 * (so WORKER_CONCURRENCY, DATABASE_POOL_MAX and the other settings in
 * .env.example can be varied from the command line), with the benchmark's
 * own stores, production logging and no development Stripe route.
 */
export function serviceEnv(stores: ServiceStores, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: stores.databaseUrl,
    QUEUE_BACKEND: 'redis',
    REDIS_URL: stores.redisUrl,
    QUEUE_PREFIX: stores.queuePrefix,
    ENCRYPTION_KEY: stores.encryptionKey,
  };
  delete env['STRIPE_WEBHOOK_SECRET'];
  return env;
}

export interface RunningService {
  baseUrl: string;
  web: BenchProcess;
  worker: BenchProcess | undefined;
  env: NodeJS.ProcessEnv;
  startWorker(): Promise<BenchProcess>;
  stop(): Promise<void>;
}

/**
 * Starts `node dist/src/server.js` on a free port and, when `withWorker`,
 * `node dist/workers/index.js`; output goes to `<logDir>/<label>-web.log`
 * and `-worker.log`.
 */
export async function startService(stores: ServiceStores, logDir: string, label: string, withWorker: boolean): Promise<RunningService> {
  const port = await freePort();
  const env = serviceEnv(stores, port);
  const baseUrl = `http://127.0.0.1:${port}`;
  const web = startProcess(`${label} web`, 'src/server.js', { env, logFile: path.join(logDir, `${label}-web.log`) });
  await waitForHttp(`${baseUrl}/healthz`, START_TIMEOUT_MS);

  const service: RunningService = {
    baseUrl,
    web,
    worker: undefined,
    env,
    async startWorker() {
      const worker = startProcess(`${label} worker`, 'workers/index.js', {
        env,
        logFile: path.join(logDir, `${label}-worker.log`),
        counted: Object.values(WORKER_LOG),
      });
      service.worker = worker;
      await worker.waitForLine(WORKER_LOG.started, START_TIMEOUT_MS);
      return worker;
    },
    async stop() {
      await Promise.all([web.stop(), service.worker?.stop()]);
    },
  };
  if (withWorker) await service.startWorker();
  return service;
}
