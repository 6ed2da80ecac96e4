import { countUnfinished, lastWebhookEventId, sleep, type BenchContext } from './context.js';
import { eventIdOf, paymentSucceededBody } from './bodies.js';
import { benchQueuePrefix } from './environment.js';
import type { LoadResult } from './load-protocol.js';
import { runLoad } from './processes.js';
import { seedRegistrations } from './seed.js';
import { startService } from './service.js';

export const STORM_DELIVERIES = 1000;
export const STORM_CONNECTIONS = 64;
/** Bound on waiting for the worker to apply the one event, milliseconds. */
const APPLY_TIMEOUT_MS = 60_000;

export interface StormPhase {
  deliveries: number;
  connections: number;
  service: LoadResult;
  baseline: LoadResult;
  /** Webhook log rows for the event: must be 1. */
  rows: number;
  /** delivery_count of that row: must equal `deliveries`. */
  deliveryCount: number;
  /** Status of the row and of its registration once the worker is done. */
  rowStatus: string | undefined;
  registrationStatus: string | undefined;
  payments: number;
}

/**
 * Phase 3: one signed event delivered STORM_DELIVERIES times at
 * STORM_CONNECTIONS, with web and worker running. The baseline is the no-op
 * Express server given the same requests.
 */
export async function runStormPhase(context: BenchContext, noopBaseUrl: string): Promise<StormPhase> {
  const [registrationId] = await seedRegistrations(context.db, context.tenant, 1, 'storm');
  const body = paymentSucceededBody(registrationId as string);
  const eventId = eventIdOf(body);
  const firstId = await lastWebhookEventId(context.db);
  const queuePrefix = benchQueuePrefix();
  context.queuePrefixes.push(queuePrefix);
  const service = await startService({ ...context.stores, queuePrefix }, context.logDir, 'storm', true);
  try {
    const load = (baseUrl: string) =>
      runLoad({
        url: `${baseUrl}/webhooks/stripe/${context.tenant.stripeConnectionId}`,
        secret: context.tenant.stripeWebhookSecret,
        connections: STORM_CONNECTIONS,
        durationSeconds: 0,
        maxSeconds: 120,
        bodies: { kind: 'repeat', body, count: STORM_DELIVERIES },
      });
    context.progress(`duplicate storm: one event ${STORM_DELIVERIES} times at ${STORM_CONNECTIONS} connections`);
    const baseline = await load(noopBaseUrl);
    const result = await load(service.baseUrl);

    const deadline = Date.now() + APPLY_TIMEOUT_MS;
    while ((await countUnfinished(context.db, firstId)) > 0 && Date.now() < deadline) await sleep(100);
    const rows = await context.db('webhook_events').where({ provider_event_id: eventId }).select<{ status: string; delivery_count: number }[]>('status', 'delivery_count');
    const registration = await context.db('registrations').where({ id: registrationId }).first<{ status: string } | undefined>('status');
    const payments = await context.db('payments').where({ registration_id: registrationId }).count<{ count: number }[]>({ count: '*' }).first();
    return {
      deliveries: STORM_DELIVERIES,
      connections: STORM_CONNECTIONS,
      service: result,
      baseline,
      rows: rows.length,
      deliveryCount: rows.reduce((sum, row) => sum + row.delivery_count, 0),
      rowStatus: rows[0]?.status,
      registrationStatus: registration?.status,
      payments: Number(payments?.count ?? 0),
    };
  } finally {
    await service.stop();
  }
}
