import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { Config } from '../src/config/config.js';
import type { DomainEvent } from '../src/domain/events.js';
import type { Db } from '../src/db/knex.js';
import { applyDomainEvent, type ApplyResult } from '../src/domain/apply-event.js';
import { EventHexError, PaymentNotYetKnownError, RegistrationNotFoundError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { Metrics } from '../src/metrics/registry.js';
import { normaliseStoredEvent } from '../src/providers/normalise-stored-event.js';
import type { WebhookJobData } from '../src/queues/names.js';
import { loadWebhookEvent, markProcessing, markUnfinished, markWaitingForPayment, type StoredWebhookEvent } from './webhook-event-store.js';
import { promoteIfPaymentArrived, wakeWaitingRefunds } from './wake-waiting-refunds.js';

export interface ProcessorDeps {
  db: Db;
  logger: Logger;
  config: Pick<Config['worker'], 'refundWaitBaseMs' | 'refundWaitMaxMs' | 'refundWaitAttempts' | 'registrationWaitAttempts'>;
  metrics?: Metrics | undefined;
  /** The `refunds` queue, so refund jobs waiting for a payment run as soon as it is recorded instead of after their delay. */
  refunds?: Pick<Queue, 'getJob'> | undefined;
}

export type ProcessOutcome = 'processed' | 'skipped';

/**
 * Builds the processor shared by the payments, refunds and subscriptions
 * queues. The effect and the `processed` mark commit in one transaction, and
 * a row already `processed` is skipped under a row lock. So stalled, retried
 * and replayed jobs apply each event once (tested with SIGKILL mid-job).
 */
export function createWebhookProcessor(deps: ProcessorDeps) {
  return async function processWebhookEvent(job: Job<WebhookJobData>, token?: string): Promise<ProcessOutcome> {
    const startedAt = Date.now();
    const { webhookEventId } = job.data;
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const log = deps.logger.child({ webhookEventId, queue: job.queueName, jobId: job.id, attempt });

    const row = await loadWebhookEvent(deps.db, webhookEventId);
    if (row === undefined) {
      log.error('job failed: its webhook event does not exist', { outcome: 'failed' });
      throw new UnrecoverableError(`Webhook event ${webhookEventId} does not exist`);
    }
    const eventLog = log.child({ provider: row.provider, providerEventId: row.provider_event_id, type: row.type });
    if (row.status === 'processed' || row.status === 'ignored' || row.status === 'rejected') {
      eventLog.info('job skipped: event already finished', { outcome: 'skipped', status: row.status, durationMs: Date.now() - startedAt });
      return 'skipped';
    }

    await markProcessing(deps.db, webhookEventId);
    try {
      const domainEvent = normaliseStoredEvent(row.provider, row.payload ?? '');
      const result = await applyInTransaction(deps.db, row.id, row.organisation_id, domainEvent);
      if (result !== 'skipped') deps.metrics?.processingLatency.observe({ queue: job.queueName }, (Date.now() - row.received_at.getTime()) / 1000);
      eventLog.info('job finished', {
        outcome: result === 'skipped' ? 'skipped' : 'processed',
        registrationId: result === 'skipped' ? undefined : result.registrationId,
        durationMs: Date.now() - startedAt,
      });
      if (result !== 'skipped') await wakeRefundsOf(domainEvent, row.organisation_id, deps, eventLog);
      return result === 'skipped' ? 'skipped' : 'processed';
    } catch (error) {
      if (error instanceof PaymentNotYetKnownError || error instanceof RegistrationNotFoundError) return waitForLink(job, token, error, row, deps, eventLog);
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof EventHexError && !error.retryable) {
        // The pool's `failed` listener stores the thrown message as well, so it carries the code too.
        const reason = `${error.code}: ${message}`;
        await markUnfinished(deps.db, webhookEventId, 'failed', reason);
        eventLog.error('job failed permanently', { outcome: 'failed', error: message, code: error.code, durationMs: Date.now() - startedAt });
        throw new UnrecoverableError(reason);
      }
      const final = attempt >= maxAttempts;
      await markUnfinished(deps.db, webhookEventId, final ? 'failed' : 'queued', message).catch(() => undefined);
      eventLog.warn(final ? 'job failed after last attempt' : 'job failed; will retry', {
        outcome: final ? 'failed' : 'retry',
        error: message,
        maxAttempts,
        durationMs: Date.now() - startedAt,
      });
      throw error;
    }
  };
}

async function applyInTransaction(
  db: Db,
  webhookEventId: number,
  organisationId: string | null,
  domainEvent: DomainEvent | null,
): Promise<ApplyResult | 'skipped'> {
  return db.transaction(async (trx) => {
    const locked = await trx('webhook_events').where({ id: webhookEventId }).forUpdate().first<{ status: string }>('status');
    if (locked.status === 'processed') return 'skipped';
    const result = domainEvent === null ? {} : await applyDomainEvent({ trx, organisationId }, domainEvent);
    await trx('webhook_events')
      .where({ id: webhookEventId })
      .update({ status: 'processed', processed_at: trx.fn.now(), last_error: null, waiting_for_payment_id: null, updated_at: trx.fn.now() });
    return result;
  });
}

/** Wakes the refunds waiting for a payment just recorded. A failure only leaves them to their delay. */
async function wakeRefundsOf(event: DomainEvent | null, organisationId: string | null, deps: ProcessorDeps, log: Logger): Promise<void> {
  if (deps.refunds === undefined || event === null) return;
  if (event.kind !== 'PaymentSucceeded' && event.kind !== 'PaymentFailed' && event.kind !== 'PaymentPending') return;
  try {
    await wakeWaitingRefunds({ db: deps.db, refunds: deps.refunds, logger: log }, organisationId, event.providerPaymentId);
  } catch (error) {
    log.warn('could not wake refunds waiting for the payment', { providerPaymentId: event.providerPaymentId, error: (error as Error).message });
  }
}

/**
 * Delays a job whose event outran what it refers to: a refund before its
 * payment, or a payment before its registration. Waits double up to a cap,
 * and the job fails after the configured number of waits. Waiting does not
 * use up the job's retry attempts.
 */
async function waitForLink(
  job: Job<WebhookJobData>,
  token: string | undefined,
  error: PaymentNotYetKnownError | RegistrationNotFoundError,
  row: Pick<StoredWebhookEvent, 'provider' | 'organisation_id'>,
  deps: ProcessorDeps,
  log: Logger,
): Promise<never> {
  const waits = job.data.waits ?? 0;
  const maxWaits = error instanceof PaymentNotYetKnownError ? deps.config.refundWaitAttempts : deps.config.registrationWaitAttempts;
  const { webhookEventId } = job.data;
  if (waits >= maxWaits || token === undefined) {
    const message = waits === 0 ? `${error.code}: ${error.message}` : `${error.code}: ${error.message}; gave up after ${waits} waits`;
    await markUnfinished(deps.db, webhookEventId, 'failed', message);
    log.error('job failed permanently', { outcome: 'failed', error: message, code: error.code });
    throw new UnrecoverableError(message);
  }
  const delayMs = Math.min(deps.config.refundWaitBaseMs * 2 ** waits, deps.config.refundWaitMaxMs);
  await job.updateData({ ...job.data, waits: waits + 1 });
  if (error instanceof PaymentNotYetKnownError) await markWaitingForPayment(deps.db, webhookEventId, error.providerPaymentId, error.message);
  else await markUnfinished(deps.db, webhookEventId, 'queued', error.message);
  await job.moveToDelayed(Date.now() + delayMs, token);
  log.info('job delayed: event waits for what it refers to', { outcome: 'waiting', code: error.code, providerPaymentId: error.providerPaymentId, delayMs, waits: waits + 1 });
  if (error instanceof PaymentNotYetKnownError) {
    await promoteIfPaymentArrived({ db: deps.db, logger: log }, job, { provider: row.provider, organisationId: row.organisation_id, providerPaymentId: error.providerPaymentId });
  }
  throw new DelayedError();
}
