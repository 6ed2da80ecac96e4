import { z } from 'zod';
import { STRIPE_API_KEY_PATTERN } from '../providers/stripe/api-key.js';
import { HOUR, MINUTE, SECOND } from './time.js';

/** Maximum webhook body the receiver buffers; larger bodies get 413. */
export const DEFAULT_WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** Stripe's own default tolerance for the `t=` timestamp of a signature. */
export const DEFAULT_STRIPE_TOLERANCE_SECONDS = 300;
/** How long the signing secrets of a replaced Stripe webhook endpoint stay accepted: one day. */
export const DEFAULT_STRIPE_SECRET_OVERLAP_SECONDS = 24 * 60 * 60;

const integer = (min: number) => z.coerce.number().int().min(min);

const commaList = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0));

const encryptionKey = z
  .string()
  .refine((value) => Buffer.from(value, 'base64').length === 32, {
    message: 'must be 32 bytes encoded as base64 (generate one with `openssl rand -base64 32`)',
  })
  .transform((value) => Buffer.from(value, 'base64'));

/** Origin of the Stripe API; webhook endpoint calls go to `<origin>/v1/...`. */
const stripeApiBaseUrl = z
  .url()
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '';
  }, 'must be an http(s) origin without a path, such as https://api.stripe.com')
  .transform((value): StripeApiSettings => {
    const url = new URL(value);
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    const defaultPort = protocol === 'https' ? 443 : 80;
    return { protocol, host: url.hostname, port: url.port === '' ? defaultPort : Number(url.port) };
  });

/** An optional variable where an empty value (`ADMIN_USERNAME=` in an env file) counts as unset. */
const optional = <T extends z.ZodType>(type: T) => z.preprocess((value) => (value === '' ? undefined : value), type.optional());

/** Basic authentication splits `user:password` at the first colon, so a username cannot contain one. */
const adminUsername = optional(z.string().max(200).regex(/^[^:\s]+$/, 'must not contain a colon or whitespace'));
const adminPassword = optional(z.string().min(12, 'must be at least 12 characters').max(1024));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: integer(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_POOL_MAX: integer(1).default(10),
  QUEUE_BACKEND: z.enum(['redis', 'postgres']).default('redis'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('eventhex'),
  ENCRYPTION_KEY: encryptionKey,
  STRIPE_WEBHOOK_SECRET: commaList.optional(),
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: integer(1).default(DEFAULT_STRIPE_TOLERANCE_SECONDS),
  STRIPE_API_BASE_URL: stripeApiBaseUrl.prefault('https://api.stripe.com'),
  STRIPE_API_TIMEOUT_MS: integer(100).default(10 * SECOND),
  STRIPE_STATUS_TIMEOUT_MS: integer(50).default(2 * SECOND),
  STRIPE_STATUS_CACHE_MS: integer(0).default(MINUTE),
  STRIPE_SECRET_OVERLAP_SECONDS: integer(0).default(DEFAULT_STRIPE_SECRET_OVERLAP_SECONDS),
  WEBHOOK_BODY_LIMIT_BYTES: integer(1024).default(DEFAULT_WEBHOOK_BODY_LIMIT_BYTES),
  ENQUEUE_TIMEOUT_MS: integer(50).default(2 * SECOND),
  REJECTED_LOG_MAX_PER_MINUTE: integer(0).default(60),
  WORKER_CONCURRENCY: integer(1).default(8),
  JOB_ATTEMPTS: integer(1).default(8),
  JOB_BACKOFF_MS: integer(10).default(2 * SECOND),
  REFUND_WAIT_BASE_MS: integer(10).default(5 * SECOND),
  REFUND_WAIT_MAX_MS: integer(10).default(5 * MINUTE),
  REFUND_WAIT_ATTEMPTS: integer(0).default(40),
  REGISTRATION_WAIT_ATTEMPTS: integer(0).default(12),
  WORKER_LOCK_DURATION_MS: integer(1000).default(30 * SECOND),
  WORKER_STALLED_INTERVAL_MS: integer(500).default(30 * SECOND),
  WORKER_MAX_STALLED_COUNT: integer(0).default(5),
  SWEEPER_INTERVAL_MS: integer(100).default(30 * SECOND),
  SWEEPER_MIN_AGE_MS: integer(0).default(15 * SECOND),
  WEBHOOK_PAYLOAD_RETENTION_DAYS: integer(1).default(30),
  WEBHOOK_FAILED_PAYLOAD_RETENTION_DAYS: integer(1).default(90),
  RETENTION_INTERVAL_MS: integer(1000).default(HOUR),
  WEBHOOK_QUIET_AFTER_MS: integer(60_000).default(6 * HOUR),
  WEBHOOK_FAILURE_RATE_WARN: z.coerce.number().min(0).max(1).default(0.2),
  WEBHOOK_HEALTH_CHECK_INTERVAL_MS: integer(1000).default(5 * MINUTE),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PORT: integer(1).max(65535).optional(),
  WORKER_METRICS_PORT: integer(1).max(65535).optional(),
  ADMIN_USERNAME: adminUsername,
  ADMIN_PASSWORD: adminPassword,
  ADMIN_VIEWER_USERNAME: adminUsername,
  ADMIN_VIEWER_PASSWORD: adminPassword,
  SHUTDOWN_TIMEOUT_MS: integer(1000).default(25 * SECOND),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
});

type Env = z.infer<typeof schema>;

/** One operator login of the admin UI: `admin` may replay events and change queues, `viewer` only reads. */
export interface AdminUser {
  role: 'admin' | 'viewer';
  username: string;
  password: string;
}

/** Target of the Stripe SDK's API requests, with their per-request timeout. */
export interface StripeApiSettings {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  timeoutMs?: number;
}

/** Settings for the webhook endpoints the service creates in organisers' Stripe accounts. */
export interface StripeEndpointSettings {
  /** Stripe API origin, with the timeout of calls that change endpoints. */
  api: Required<StripeApiSettings>;
  /** Timeout of the endpoint status read behind `GET /webhook-status`, milliseconds. */
  statusTimeoutMs: number;
  /** Time `GET /webhook-status` reuses an endpoint status read from Stripe, milliseconds (0 disables reuse). */
  statusCacheMs: number;
  /** How long the signing secrets of a replaced endpoint stay accepted, seconds. */
  secretOverlapSeconds: number;
}

/** Validated service configuration; the only place that reads `process.env` is {@link loadConfig}. */
export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  publicBaseUrl: string;
  databaseUrl: string;
  databasePoolMax: number;
  queue: { backend: 'redis' | 'postgres'; redisUrl: string | undefined; prefix: string };
  encryptionKey: Buffer;
  stripe: { defaultWebhookSecrets: string[]; toleranceSeconds: number; endpoints: StripeEndpointSettings };
  receiver: { bodyLimitBytes: number; enqueueTimeoutMs: number; rejectedLogMaxPerMinute: number };
  worker: {
    concurrency: number;
    attempts: number;
    backoffMs: number;
    refundWaitBaseMs: number;
    refundWaitMaxMs: number;
    refundWaitAttempts: number;
    registrationWaitAttempts: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    /** Times a job may be interrupted by its worker stopping before BullMQ fails it. */
    maxStalledCount: number;
    sweeperIntervalMs: number;
    sweeperMinAgeMs: number;
  };
  retention: { processedDays: number; failedDays: number; intervalMs: number };
  alerts: { quietAfterMs: number; failureRate: number; checkIntervalMs: number };
  metrics: { token: string | undefined; port: number | undefined; workerPort: number | undefined };
  /** Operator logins of `/admin`; empty when the admin UI is disabled. */
  adminUsers: AdminUser[];
  shutdownTimeoutMs: number;
  logLevel: Env['LOG_LEVEL'];
}

/** Thrown when an environment variable is missing or invalid; the message names it and never shows its value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly variable: string, reason: string) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

/** Validates environment variables into a {@link Config}, throwing a {@link ConfigError} for the first bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw firstConfigError(parsed.error, env);
  const e = parsed.data;
  if (e.QUEUE_BACKEND === 'redis' && e.REDIS_URL === undefined) {
    throw new ConfigError('REDIS_URL', 'is missing (required when QUEUE_BACKEND=redis)');
  }
  const adminUsers = [
    adminUser('admin', 'ADMIN_USERNAME', e.ADMIN_USERNAME, 'ADMIN_PASSWORD', e.ADMIN_PASSWORD),
    adminUser('viewer', 'ADMIN_VIEWER_USERNAME', e.ADMIN_VIEWER_USERNAME, 'ADMIN_VIEWER_PASSWORD', e.ADMIN_VIEWER_PASSWORD),
  ].filter((user) => user !== undefined);
  if (adminUsers.length === 2 && adminUsers[0]?.username === adminUsers[1]?.username) {
    throw new ConfigError('ADMIN_VIEWER_USERNAME', 'is invalid: must differ from ADMIN_USERNAME');
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    queue: { backend: e.QUEUE_BACKEND, redisUrl: e.REDIS_URL, prefix: e.QUEUE_PREFIX },
    encryptionKey: e.ENCRYPTION_KEY,
    stripe: { defaultWebhookSecrets: e.STRIPE_WEBHOOK_SECRET ?? [], toleranceSeconds: e.STRIPE_WEBHOOK_TOLERANCE_SECONDS, endpoints: stripeEndpointSettings(e) },
    receiver: {
      bodyLimitBytes: e.WEBHOOK_BODY_LIMIT_BYTES,
      enqueueTimeoutMs: e.ENQUEUE_TIMEOUT_MS,
      rejectedLogMaxPerMinute: e.REJECTED_LOG_MAX_PER_MINUTE,
    },
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      attempts: e.JOB_ATTEMPTS,
      backoffMs: e.JOB_BACKOFF_MS,
      refundWaitBaseMs: e.REFUND_WAIT_BASE_MS,
      refundWaitMaxMs: e.REFUND_WAIT_MAX_MS,
      refundWaitAttempts: e.REFUND_WAIT_ATTEMPTS,
      registrationWaitAttempts: e.REGISTRATION_WAIT_ATTEMPTS,
      lockDurationMs: e.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: e.WORKER_MAX_STALLED_COUNT,
      sweeperIntervalMs: e.SWEEPER_INTERVAL_MS,
      sweeperMinAgeMs: e.SWEEPER_MIN_AGE_MS,
    },
    alerts: { quietAfterMs: e.WEBHOOK_QUIET_AFTER_MS, failureRate: e.WEBHOOK_FAILURE_RATE_WARN, checkIntervalMs: e.WEBHOOK_HEALTH_CHECK_INTERVAL_MS },
    retention: {
      processedDays: e.WEBHOOK_PAYLOAD_RETENTION_DAYS,
      failedDays: e.WEBHOOK_FAILED_PAYLOAD_RETENTION_DAYS,
      intervalMs: e.RETENTION_INTERVAL_MS,
    },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, workerPort: e.WORKER_METRICS_PORT },
    adminUsers,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
  };
}

/** Builds the {@link ConfigError} for the first variable a schema rejected. */
function firstConfigError(error: z.ZodError, env: NodeJS.ProcessEnv): ConfigError {
  const issue = error.issues[0];
  const variable = String(issue?.path[0] ?? 'environment');
  const reason = issue?.code === 'invalid_type' && env[variable] === undefined ? 'is missing' : `is invalid: ${issue?.message ?? 'unknown reason'}`;
  return new ConfigError(variable, reason);
}

function stripeEndpointSettings(e: Pick<Env, 'STRIPE_API_BASE_URL' | 'STRIPE_API_TIMEOUT_MS' | 'STRIPE_STATUS_TIMEOUT_MS' | 'STRIPE_STATUS_CACHE_MS' | 'STRIPE_SECRET_OVERLAP_SECONDS'>): StripeEndpointSettings {
  return {
    api: { ...e.STRIPE_API_BASE_URL, timeoutMs: e.STRIPE_API_TIMEOUT_MS },
    statusTimeoutMs: e.STRIPE_STATUS_TIMEOUT_MS,
    statusCacheMs: e.STRIPE_STATUS_CACHE_MS,
    secretOverlapSeconds: e.STRIPE_SECRET_OVERLAP_SECONDS,
  };
}

/** Configuration of the `eventhex stripe endpoint ...` commands, which need no queue. */
export interface StripeCommandConfig {
  databaseUrl: string;
  encryptionKey: Buffer;
  publicBaseUrl: string;
  endpoints: StripeEndpointSettings;
  /** `STRIPE_API_KEY`, used by `endpoint create` for a connection that has no stored key. */
  apiKeyFromEnv: string | undefined;
}

const stripeCommandSchema = schema
  .pick({
    DATABASE_URL: true,
    ENCRYPTION_KEY: true,
    PUBLIC_BASE_URL: true,
    STRIPE_API_BASE_URL: true,
    STRIPE_API_TIMEOUT_MS: true,
    STRIPE_STATUS_TIMEOUT_MS: true,
    STRIPE_STATUS_CACHE_MS: true,
    STRIPE_SECRET_OVERLAP_SECONDS: true,
  })
  .extend({ STRIPE_API_KEY: optional(z.string().regex(STRIPE_API_KEY_PATTERN, 'must be a Stripe secret key (sk_...) or restricted key (rk_...)')) });

/**
 * Reads the variables of the Stripe endpoint commands. `PUBLIC_BASE_URL` is
 * required there, because the URL registered with Stripe must be the one the
 * organiser's Stripe account can reach.
 */
export function loadStripeCommandConfig(env: NodeJS.ProcessEnv = process.env): StripeCommandConfig {
  const parsed = stripeCommandSchema.safeParse(env);
  if (!parsed.success) throw firstConfigError(parsed.error, env);
  const e = parsed.data;
  if (e.PUBLIC_BASE_URL === undefined) throw new ConfigError('PUBLIC_BASE_URL', 'is missing (required to build the webhook URL registered with Stripe)');
  return {
    databaseUrl: e.DATABASE_URL,
    encryptionKey: e.ENCRYPTION_KEY,
    publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    endpoints: stripeEndpointSettings(e),
    apiKeyFromEnv: e.STRIPE_API_KEY,
  };
}

/** Pairs a username with its password, rejecting a pair where only one of the two is set. */
function adminUser(role: AdminUser['role'], userVariable: string, username: string | undefined, passwordVariable: string, password: string | undefined): AdminUser | undefined {
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined) throw new ConfigError(userVariable, `is missing (required when ${passwordVariable} is set)`);
  if (password === undefined) throw new ConfigError(passwordVariable, `is missing (required when ${userVariable} is set)`);
  return { role, username, password };
}

/** Reads only `DATABASE_URL`, for commands that need nothing else (migrations, organisations, API keys). */
export function loadDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const parsed = schema.shape.DATABASE_URL.safeParse(env['DATABASE_URL']);
  if (!parsed.success) throw new ConfigError('DATABASE_URL', env['DATABASE_URL'] === undefined ? 'is missing' : 'is invalid: must be a postgres:// URL');
  return parsed.data;
}
