import path from 'node:path';
import { newStripeIds } from '../scripts/demo/payloads.js';
import { countUnfinished, lastWebhookEventId, sleep, type BenchContext } from './context.js';
import { PARTIAL_REFUND_AMOUNT, REGISTRATION_AMOUNT, partialRefundBody, paymentSucceededBody } from './bodies.js';
import { benchQueuePrefix } from './environment.js';
import type { LoadResult } from './load-protocol.js';
import { MemorySampler, cpuMilliseconds, type MemoryPeak } from './memory.js';
import type { NoopBullmqMessage } from './noop-bullmq.js';
import { runLoad, startProcess } from './processes.js';
import { seedRegistrations } from './seed.js';
import { WORKER_LOG, serviceEnv, startService } from './service.js';

/** Connections posting the end-to-end deliveries: the level the ingest target is set at. */
export const END_TO_END_CONNECTIONS = 64;
/** Shares of the deliveries: first payments, partial refunds of some of them, and repeated deliveries. */
const REFUND_SHARE = 0.15;
const DUPLICATE_SHARE = 0.15;
/** A refund is posted this many deliveries after its payment; a repeat this many after its original. */
const REFUND_LAG = 500;
const DUPLICATE_LAG = 200;
/** Bound on waiting for the worker after the response to the last delivery, seconds. */
const SETTLE_TIMEOUT_SECONDS = 600;
const POLL_MS = 100;

interface PlannedDelivery {
  body: string;
  kind: 'payment' | 'refund' | 'duplicate';
}

export interface EndToEndPlan {
  deliveries: PlannedDelivery[];
  payments: number;
  refunds: number;
  duplicates: number;
  /** Final state every registration must reach. */
  expected: { registrationId: string; status: string; amountPaid: number; amountRefunded: number }[];
}

/**
 * Plans `total` deliveries: one `payment_intent.succeeded` per registration,
 * a partial refund (a third, so the registration stays `confirmed`) for
 * every n-th paid registration, and repeats of earlier deliveries with the
 * same event id. Refunds and repeats trail their originals, as they do in
 * production, where they are also often seconds apart.
 */
export function planEndToEnd(registrationIds: string[], total: number): EndToEndPlan {
  const refunds = Math.round(total * REFUND_SHARE);
  const duplicates = Math.round(total * DUPLICATE_SHARE);
  const payments = total - refunds - duplicates;
  if (registrationIds.length < payments) throw new Error(`planEndToEnd needs ${payments} registrations, got ${registrationIds.length}`);

  const originals: PlannedDelivery[] = [];
  const refundQueue: { at: number; body: string }[] = [];
  const expected: EndToEndPlan['expected'] = [];
  for (let index = 0; index < payments; index += 1) {
    const registrationId = registrationIds[index] as string;
    const ids = newStripeIds();
    originals.push({ body: paymentSucceededBody(registrationId, ids), kind: 'payment' });
    // Spreads exactly `refunds` refunds evenly over the payments.
    const refunded = Math.floor(((index + 1) * refunds) / payments) > Math.floor((index * refunds) / payments);
    if (refunded) refundQueue.push({ at: index + REFUND_LAG, body: partialRefundBody(ids, refundQueue.length) });
    expected.push({ registrationId, status: 'confirmed', amountPaid: REGISTRATION_AMOUNT, amountRefunded: refunded ? PARTIAL_REFUND_AMOUNT : 0 });
    while (refundQueue.length > 0 && (refundQueue[0]?.at ?? Infinity) <= index) originals.push({ body: refundQueue.shift()!.body, kind: 'refund' });
  }
  for (const refund of refundQueue) originals.push({ body: refund.body, kind: 'refund' });

  // Repeats spread evenly over the originals, each placed DUPLICATE_LAG deliveries after its original.
  const repeatsAt = new Map<number, PlannedDelivery[]>();
  for (let index = 0; index < duplicates; index += 1) {
    const original = Math.floor((index * originals.length) / duplicates);
    const at = Math.min(original + DUPLICATE_LAG, originals.length - 1);
    const list = repeatsAt.get(at) ?? [];
    list.push({ body: (originals[original] as PlannedDelivery).body, kind: 'duplicate' });
    repeatsAt.set(at, list);
  }
  const deliveries: PlannedDelivery[] = [];
  originals.forEach((delivery, index) => {
    deliveries.push(delivery);
    deliveries.push(...(repeatsAt.get(index) ?? []));
  });
  return { deliveries, payments, refunds: originals.length - payments, duplicates, expected };
}

export interface EndToEndPhase {
  deliveries: number;
  payments: number;
  refunds: number;
  duplicates: number;
  post: LoadResult;
  /** From the first request sent until the last registration matched its expected state. */
  seconds: number;
  eventsPerSecond: number;
  finished: boolean;
  mismatches: number;
  webhookRows: number;
  deliveryCountSum: number;
  statuses: Record<string, number>;
  /** Worker log lines: jobs delayed to wait for what their event refers to (refunds for their payment), and failed attempts. */
  delayedJobs: number;
  /** Payments whose worker ran waiting refunds at once, and refunds that ran at once because their payment landed while they were being delayed. */
  wakeUps: number;
  selfPromotions: number;
  failedAttempts: number;
  /** CPU time of the worker process per delivery, microseconds. */
  workerCpuMicrosecondsPerEvent: number;
  baseline: { jobs: number; seconds: number; jobsPerSecond: number; workerCpuMicrosecondsPerJob: number; memory: { producer: MemoryPeak; worker: MemoryPeak } };
  memory: { web: MemoryPeak; worker: MemoryPeak };
}

/** Creates the table of expected states and returns a query counting registrations that differ from it. */
async function storeExpected(context: BenchContext, expected: EndToEndPlan['expected']): Promise<() => Promise<number>> {
  const { db } = context;
  await db.schema.createTable('bench_expected', (table) => {
    table.text('registration_id').primary();
    table.text('status').notNullable();
    table.bigInteger('amount_paid').notNullable();
    table.bigInteger('amount_refunded').notNullable();
  });
  const rows = expected.map((row) => ({ registration_id: row.registrationId, status: row.status, amount_paid: row.amountPaid, amount_refunded: row.amountRefunded }));
  for (let start = 0; start < rows.length; start += 2000) await db('bench_expected').insert(rows.slice(start, start + 2000));
  return async () => {
    const result = await db.raw<{ rows: { count: number }[] }>(
      `SELECT count(*) AS count FROM bench_expected e LEFT JOIN registrations r ON r.id = e.registration_id
        WHERE r.id IS NULL OR r.status <> e.status OR r.amount_paid <> e.amount_paid OR r.amount_refunded <> e.amount_refunded`,
    );
    return Number(result.rows[0]?.count ?? 0);
  };
}

/**
 * Phase 2: posts the planned deliveries at END_TO_END_CONNECTIONS with web
 * and worker running, and times the first request to the moment every
 * registration has its expected state. Then the baseline: the same number of
 * no-op jobs through BullMQ with the worker's settings (bench/noop-bullmq.ts).
 */
export async function runEndToEndPhase(context: BenchContext, total: number): Promise<EndToEndPhase> {
  context.progress(`end to end: seeding and planning ${total} deliveries`);
  const payments = total - Math.round(total * REFUND_SHARE) - Math.round(total * DUPLICATE_SHARE);
  const registrationIds = await seedRegistrations(context.db, context.tenant, payments, 'e2e');
  const plan = planEndToEnd(registrationIds, total);
  const countMismatches = await storeExpected(context, plan.expected);
  const firstId = await lastWebhookEventId(context.db);
  const queuePrefix = benchQueuePrefix();
  context.queuePrefixes.push(queuePrefix);

  const service = await startService({ ...context.stores, queuePrefix }, context.logDir, 'e2e', true);
  const worker = service.worker!;
  const workerCpuBefore = cpuMilliseconds(worker.pid) ?? 0;
  const sampler = new MemorySampler([
    { name: 'web', pid: service.web.pid },
    { name: 'worker', pid: worker.pid },
  ]);
  let result: Omit<EndToEndPhase, 'baseline'>;
  try {
    context.progress(`end to end: posting ${plan.deliveries.length} deliveries at ${END_TO_END_CONNECTIONS} connections`);
    let post: LoadResult | undefined;
    let postError: unknown;
    const posting = runLoad({
      url: `${service.baseUrl}/webhooks/stripe/${context.tenant.stripeConnectionId}`,
      secret: context.tenant.stripeWebhookSecret,
      connections: END_TO_END_CONNECTIONS,
      durationSeconds: 0,
      maxSeconds: SETTLE_TIMEOUT_SECONDS,
      bodies: { kind: 'sequence', bodies: plan.deliveries.map((delivery) => delivery.body) },
    }).then(
      (value) => (post = value),
      (error: unknown) => (postError = error),
    );

    let finishedAt: number | undefined;
    let postedAt: number | undefined;
    let mismatches = -1;
    for (;;) {
      if (postError !== undefined) throw postError;
      if (post !== undefined) postedAt ??= Date.now();
      if (postedAt !== undefined && (await countUnfinished(context.db, firstId)) === 0) {
        mismatches = await countMismatches();
        if (mismatches === 0) finishedAt = Date.now();
        // Nothing is left to run, so a mismatch now is final.
        break;
      }
      if (postedAt !== undefined && Date.now() - postedAt > SETTLE_TIMEOUT_SECONDS * 1000) break;
      await sleep(POLL_MS);
    }
    await posting;
    const posted = post as LoadResult;
    if (mismatches < 0) mismatches = await countMismatches();
    const end = finishedAt ?? Date.now();
    const seconds = (end - posted.startedAt) / 1000;
    const memory = sampler.stop();
    const workerCpuMs = (cpuMilliseconds(worker.pid) ?? workerCpuBefore) - workerCpuBefore;

    const rows = await context.db('webhook_events')
      .where('id', '>', firstId)
      .groupBy('status').select<{ status: string; count: number; deliveries: number }[]>(
      'status',
      context.db.raw('count(*)::int AS count'),
      context.db.raw('sum(delivery_count)::int AS deliveries'),
    );
    const statuses: Record<string, number> = {};
    for (const row of rows) statuses[row.status] = row.count;
    result = {
      deliveries: plan.deliveries.length,
      payments: plan.payments,
      refunds: plan.refunds,
      duplicates: plan.duplicates,
      post: posted,
      seconds,
      eventsPerSecond: plan.deliveries.length / seconds,
      finished: finishedAt !== undefined,
      mismatches,
      webhookRows: rows.reduce((sum, row) => sum + row.count, 0),
      deliveryCountSum: rows.reduce((sum, row) => sum + row.deliveries, 0),
      statuses,
      delayedJobs: worker.countLines(WORKER_LOG.delayed),
      wakeUps: worker.countLines(WORKER_LOG.woken),
      selfPromotions: worker.countLines(WORKER_LOG.promotedAfterDelay),
      failedAttempts: worker.countLines(WORKER_LOG.failed),
      workerCpuMicrosecondsPerEvent: (workerCpuMs * 1000) / plan.deliveries.length,
      memory: { web: memory['web'] as MemoryPeak, worker: memory['worker'] as MemoryPeak },
    };
  } finally {
    sampler.stop();
    await service.stop();
  }

  const baseline = await runNoopBullmq(context, total, plan.payments / (plan.payments + plan.refunds));
  return { ...result, baseline };
}

function isMessage<T extends NoopBullmqMessage['type']>(...types: T[]) {
  return (message: unknown): message is Extract<NoopBullmqMessage, { type: T | 'error' }> =>
    typeof message === 'object' && message !== null && [...types, 'error'].includes((message as { type: string }).type);
}

/** Runs the no-op BullMQ baseline: `jobs` jobs split between payments and refunds like the deliveries' events. */
async function runNoopBullmq(context: BenchContext, jobs: number, paymentShare: number): Promise<EndToEndPhase['baseline']> {
  const queuePrefix = benchQueuePrefix();
  context.queuePrefixes.push(queuePrefix);
  const env = serviceEnv({ ...context.stores, queuePrefix }, 0);
  const paymentJobs = Math.round(jobs * paymentShare);
  context.progress(`end to end baseline: ${jobs} no-op BullMQ jobs`);

  const worker = startProcess('noop-bullmq worker', 'bench/noop-bullmq.js', {
    env,
    args: ['worker', '--expect', String(jobs), '--max-seconds', String(SETTLE_TIMEOUT_SECONDS)],
    logFile: path.join(context.logDir, 'noop-bullmq-worker.log'),
    ipc: true,
  });
  try {
    const ready = await worker.waitForMessage(isMessage('ready'), 30_000);
    if (ready.type === 'error') throw new Error(`noop-bullmq worker failed: ${ready.message}`);
    const workerCpuBefore = cpuMilliseconds(worker.pid) ?? 0;
    const producer = startProcess('noop-bullmq producer', 'bench/noop-bullmq.js', {
      env,
      args: ['producer', '--jobs', `payments=${paymentJobs},refunds=${jobs - paymentJobs}`, '--concurrency', String(END_TO_END_CONNECTIONS)],
      logFile: path.join(context.logDir, 'noop-bullmq-producer.log'),
      ipc: true,
    });
    const sampler = new MemorySampler([
      { name: 'producer', pid: producer.pid },
      { name: 'worker', pid: worker.pid },
    ]);
    try {
      const added = await producer.waitForMessage(isMessage('added'), SETTLE_TIMEOUT_SECONDS * 1000);
      if (added.type === 'error') throw new Error(`noop-bullmq producer failed: ${added.message}`);
      const done = await worker.waitForMessage(isMessage('done'), SETTLE_TIMEOUT_SECONDS * 1000);
      if (done.type === 'error') throw new Error(`noop-bullmq worker failed: ${done.message}`);
      const seconds = (done.at - added.firstAt) / 1000;
      const memory = sampler.stop();
      const workerCpuMs = (cpuMilliseconds(worker.pid) ?? workerCpuBefore) - workerCpuBefore;
      return { jobs, seconds, jobsPerSecond: jobs / seconds, workerCpuMicrosecondsPerJob: (workerCpuMs * 1000) / jobs, memory: { producer: memory['producer'] as MemoryPeak, worker: memory['worker'] as MemoryPeak } };
    } finally {
      sampler.stop();
      await producer.stop();
    }
  } finally {
    await worker.stop();
  }
}
