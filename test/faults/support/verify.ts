import type { Db } from '../../../src/db/knex.js';
import { sleep } from '../../helpers/receiver-requests.js';
import type { EventPlan, PlannedEvent } from './event-plan.js';

/** Figures of one run, checked against the plans. */
export interface Outcome {
  /** Planned events whose webhook log row is missing or not `processed`. */
  lost: number;
  /** Extra payments or refunds rows, rows no event explains, and registrations with more money than planned. */
  doubleApplied: number;
  /** Registrations whose status, amount_paid or amount_refunded differ from the plan. */
  mismatched: number;
  /** Up to ten descriptions of what differed, for the assertion message. */
  samples: string[];
}

/**
 * Waits until the webhook log contains at least `expectedRows` rows that are
 * not `rejected` and all of them are `processed`, or `timeoutMs` passes.
 * Returns how many rows were still unfinished.
 */
export async function waitUntilProcessed(db: Db, expectedRows: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await db('webhook_events')
      .whereNot({ status: 'rejected' })
      .select<{ total: number; unfinished: number }[]>(db.raw('count(*)::int AS total'), db.raw("count(*) FILTER (WHERE status <> 'processed')::int AS unfinished"));
    const { total, unfinished } = rows[0] ?? { total: 0, unfinished: 0 };
    const missing = Math.max(0, expectedRows - total);
    if (missing + unfinished === 0 || Date.now() > deadline) return missing + unfinished;
    await sleep(250);
  }
}

/**
 * Compares the database with the plans: every event applied, once, and
 * every registration in its planned state. Rows that belong to `otherPlans`
 * (checked separately, in the same database) are not counted as unexplained.
 */
export async function checkOutcome(db: Db, plans: readonly EventPlan[], otherPlans: readonly EventPlan[] = []): Promise<Outcome> {
  const outcome: Outcome = { lost: 0, doubleApplied: 0, mismatched: 0, samples: [] };
  const note = (text: string) => {
    if (outcome.samples.length < 10) outcome.samples.push(text);
  };

  const rows = await db('webhook_events')
    .whereNot({ status: 'rejected' })
    .select<{ provider: string; provider_event_id: string; status: string; last_error: string | null }[]>('provider', 'provider_event_id', 'status', 'last_error');
  const rowByEvent = new Map(rows.map((row) => [`${row.provider}:${row.provider_event_id}`, row]));
  const plannedEvents = new Set(otherPlans.flatMap((plan) => plan.events.map((event) => `${event.provider}:${event.providerEventId}`)));
  const lostEvents = new Set<PlannedEvent>();
  for (const event of plans.flatMap((plan) => plan.events)) {
    const key = `${event.provider}:${event.providerEventId}`;
    plannedEvents.add(key);
    const row = rowByEvent.get(key);
    if (row?.status !== 'processed') {
      outcome.lost += 1;
      lostEvents.add(event);
      note(`event ${key} (${event.type}) is ${row === undefined ? 'missing from the webhook log' : `${row.status}: ${row.last_error ?? ''}`}`);
    }
  }
  for (const key of rowByEvent.keys()) {
    if (!plannedEvents.has(key)) {
      outcome.doubleApplied += 1;
      note(`webhook log row ${key} matches no planned event`);
    }
  }

  const registrations = plans.flatMap((plan) => plan.registrations);
  const otherRegistrations = new Set(otherPlans.flatMap((plan) => plan.registrations.map((registration) => registration.id)));
  const otherRefunds = new Set(otherPlans.flatMap((plan) => plan.registrations.flatMap((registration) => registration.refundIds)));
  const payments = await db('payments').select<{ provider_payment_id: string; registration_id: string }[]>('provider_payment_id', 'registration_id');
  const refunds = await db('refunds').select<{ provider_refund_id: string }[]>('provider_refund_id');
  const paymentRows = countBy(payments.filter((payment) => !otherRegistrations.has(payment.registration_id)).map((payment) => `${payment.registration_id}:${payment.provider_payment_id}`));
  const refundRows = countBy(refunds.map((refund) => refund.provider_refund_id).filter((id) => !otherRefunds.has(id)));
  const plannedPayments = new Set(registrations.flatMap((registration) => registration.paymentIds.map((id) => `${registration.id}:${id}`)));
  const plannedRefunds = new Set(registrations.flatMap((registration) => registration.refundIds));
  for (const [key, count] of paymentRows) {
    const extra = plannedPayments.has(key) ? count - 1 : count;
    if (extra > 0) {
      outcome.doubleApplied += extra;
      note(`payment ${key} has ${count} rows`);
    }
  }
  for (const [id, count] of refundRows) {
    const extra = plannedRefunds.has(id) ? count - 1 : count;
    if (extra > 0) {
      outcome.doubleApplied += extra;
      note(`refund ${id} has ${count} rows`);
    }
  }

  const stored = await db('registrations').select<{ id: string; status: string; amount_paid: number; amount_refunded: number }[]>('id', 'status', 'amount_paid', 'amount_refunded');
  const storedById = new Map(stored.map((row) => [row.id, row]));
  for (const registration of registrations) {
    const row = storedById.get(registration.id);
    const { expected } = registration;
    for (const id of registration.paymentIds) {
      if (!paymentRows.has(`${registration.id}:${id}`)) note(`payment ${id} of ${registration.id} has no row`);
    }
    if (row === undefined || row.status !== expected.status || row.amount_paid !== expected.amountPaid || row.amount_refunded !== expected.amountRefunded) {
      outcome.mismatched += 1;
      const actual = row === undefined ? 'missing' : `${row.status} paid ${row.amount_paid} refunded ${row.amount_refunded}`;
      note(`registration ${registration.id} (${registration.scenario}) is ${actual}; expected ${expected.status} paid ${expected.amountPaid} refunded ${expected.amountRefunded}`);
    }
    // More money than planned counts as applied twice only when no event of the registration was lost:
    // a lost refund.failed, for example, also leaves more refunded than planned.
    const complete = registration.events.every((event) => !lostEvents.has(event));
    if (complete && row !== undefined && (row.amount_paid > expected.amountPaid || row.amount_refunded > expected.amountRefunded)) outcome.doubleApplied += 1;
  }
  return outcome;
}

function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** Prints the one line of figures a fault test reports, such as `faults: worker SIGKILL — seed 7, sent 5000, lost 0`. */
export function printFigures(name: string, figures: Record<string, string | number>): void {
  const parts = Object.entries(figures).map(([label, value]) => `${label} ${value}`);
  console.log(`      faults: ${name} — ${parts.join(', ')}`);
}
