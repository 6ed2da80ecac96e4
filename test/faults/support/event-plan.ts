import { newId } from '../../../src/crypto/ids.js';
import type { Provider } from '../../../src/domain/events.js';
import type { RegistrationStatus } from '../../../src/domain/registration-state.js';
import {
  razorpayPayment,
  razorpayRefundProcessed,
  stripeChargeRefunded,
  stripePaymentIntent,
  stripeRefund,
} from '../../../scripts/demo/payloads.js';
import type { Random } from './random.js';
import type { FaultStack, WebhookTargets } from './stack.js';

/** What one registration goes through. Each kind fixes the events sent and the final state. */
export type Scenario =
  | 'paid'
  | 'failed_then_paid'
  | 'failed'
  | 'underpaid'
  | 'partial_refunds'
  | 'full_refund'
  | 'refund_reversed'
  | 'razorpay_paid'
  | 'razorpay_refund';

const SCENARIO_WEIGHTS: readonly (readonly [Scenario, number])[] = [
  ['paid', 3],
  ['failed_then_paid', 2],
  ['failed', 1],
  ['underpaid', 1],
  ['partial_refunds', 3],
  ['full_refund', 2],
  ['refund_reversed', 1],
  ['razorpay_paid', 2],
  ['razorpay_refund', 2],
];

/** One provider event, signed at delivery time. */
export interface PlannedEvent {
  provider: Provider;
  /** Stripe event `id`, or the Razorpay `x-razorpay-event-id` header. */
  providerEventId: string;
  type: string;
  /** Receiver path, `/webhooks/...`. */
  path: string;
  body: Buffer;
}

export interface ExpectedState {
  status: RegistrationStatus;
  amountPaid: number;
  amountRefunded: number;
}

export interface PlannedRegistration {
  id: string;
  scenario: Scenario;
  currency: 'USD' | 'INR';
  amountDue: number;
  expected: ExpectedState;
  /** Stripe PaymentIntent or Razorpay payment ids, each of which must end up as exactly one payments row. */
  paymentIds: string[];
  /** Provider refund ids, each of which must end up as exactly one refunds row. */
  refundIds: string[];
  /** The registration's events in the order the provider created them. */
  events: PlannedEvent[];
}

export interface EventPlan {
  label: string;
  registrations: PlannedRegistration[];
  /** Every event once, registration after registration, each registration's events in creation order. */
  events: PlannedEvent[];
}

/** Registration fields decided before the registration exists, because the events need its id. */
interface ScenarioSpec {
  scenario: Scenario;
  amountDue: number;
  /** Amount captured by the (last) successful payment, or the failed attempt's amount. */
  paidAmount: number;
  refundAmounts: number[];
}

const EVENTS_PER_SCENARIO = (spec: ScenarioSpec): number => {
  switch (spec.scenario) {
    case 'paid':
    case 'failed':
    case 'underpaid':
      return 1;
    case 'failed_then_paid':
    case 'razorpay_paid':
    case 'razorpay_refund':
      return 2;
    case 'partial_refunds':
      return 1 + 2 * spec.refundAmounts.length;
    case 'full_refund':
      return 6;
    case 'refund_reversed':
      return 4;
  }
};

/** Returns `count` amounts in hundreds, each at least 100, that sum to less than `total`. */
function partsBelow(random: Random, total: number, count: number): number[] {
  const hundreds = Math.floor((total / 100 - 1) / count);
  return Array.from({ length: count }, () => random.int(1, Math.max(1, hundreds)) * 100);
}

function specFor(random: Random, scenario: Scenario): ScenarioSpec {
  const amountDue = random.int(10, 500) * 100;
  switch (scenario) {
    case 'underpaid':
      return { scenario, amountDue, paidAmount: amountDue - random.int(1, amountDue / 100 - 1) * 100, refundAmounts: [] };
    case 'partial_refunds':
      return { scenario, amountDue, paidAmount: amountDue, refundAmounts: partsBelow(random, amountDue, random.int(1, 3)) };
    case 'full_refund': {
      const first = random.int(1, amountDue / 100 - 1) * 100;
      return { scenario, amountDue, paidAmount: amountDue, refundAmounts: [first, amountDue - first] };
    }
    case 'refund_reversed':
      return { scenario, amountDue, paidAmount: amountDue, refundAmounts: partsBelow(random, amountDue, 1) };
    case 'razorpay_refund':
      return { scenario, amountDue, paidAmount: amountDue, refundAmounts: random.chance(0.3) ? [amountDue] : partsBelow(random, amountDue, 1) };
    default:
      return { scenario, amountDue, paidAmount: amountDue, refundAmounts: [] };
  }
}

/** Final state each scenario must reach, worked out by hand from what the customer paid and got back. */
function expectedState(spec: ScenarioSpec): ExpectedState {
  const refunded = spec.refundAmounts.reduce((sum, amount) => sum + amount, 0);
  switch (spec.scenario) {
    case 'failed':
      return { status: 'payment_failed', amountPaid: 0, amountRefunded: 0 };
    case 'underpaid':
      return { status: 'underpaid', amountPaid: spec.paidAmount, amountRefunded: 0 };
    case 'refund_reversed':
      return { status: 'confirmed', amountPaid: spec.paidAmount, amountRefunded: 0 };
    case 'full_refund':
      return { status: 'refunded', amountPaid: spec.paidAmount, amountRefunded: spec.paidAmount };
    case 'partial_refunds':
    case 'razorpay_refund':
      return { status: refunded >= spec.paidAmount ? 'refunded' : 'confirmed', amountPaid: spec.paidAmount, amountRefunded: refunded };
    default:
      return { status: 'confirmed', amountPaid: spec.paidAmount, amountRefunded: 0 };
  }
}

/** Stripe `created` times: a minute apart per registration, one second per step, so later steps are newer. */
const CREATED_BASE = 1_767_225_600;

function stripeBody(object: Record<string, unknown>, eventId: string, created: number): Buffer {
  return Buffer.from(JSON.stringify({ ...object, id: eventId, created }), 'utf8');
}

function buildEvents(spec: ScenarioSpec, registrationId: string, index: number, label: string, targets: WebhookTargets): Omit<PlannedRegistration, 'expected'> {
  const tag = `${label}${index.toString(36)}`;
  const events: PlannedEvent[] = [];
  let step = 0;
  const stripe = (type: string, object: Record<string, unknown>) => {
    step += 1;
    const providerEventId = `evt_${tag}s${step}`;
    events.push({ provider: 'stripe', providerEventId, type, path: targets.stripePath, body: stripeBody(object, providerEventId, CREATED_BASE + index * 60 + step) });
  };
  const razorpay = (type: string, object: Record<string, unknown>) => {
    step += 1;
    events.push({ provider: 'razorpay', providerEventId: `rzp_${tag}s${step}`, type, path: targets.razorpayPath, body: Buffer.from(JSON.stringify(object), 'utf8') });
  };

  if (spec.scenario === 'razorpay_paid' || spec.scenario === 'razorpay_refund') {
    const ids = { payment: `pay_${tag}`, order: `order_${tag}` };
    razorpay('payment.captured', razorpayPayment('payment.captured', ids, registrationId, spec.paidAmount));
    if (spec.scenario === 'razorpay_paid') razorpay('order.paid', razorpayPayment('order.paid', ids, registrationId, spec.paidAmount));
    const refundIds = spec.refundAmounts.map((amount, n) => {
      const refundId = `rfnd_${tag}r${n}`;
      razorpay('refund.processed', razorpayRefundProcessed(ids, refundId, amount));
      return refundId;
    });
    return { id: registrationId, scenario: spec.scenario, currency: 'INR', amountDue: spec.amountDue, paymentIds: [ids.payment], refundIds, events };
  }

  const ids = { paymentIntent: `pi_${tag}`, charge: `ch_${tag}` };
  if (spec.scenario === 'failed' || spec.scenario === 'failed_then_paid') {
    stripe('payment_intent.payment_failed', stripePaymentIntent('payment_intent.payment_failed', ids, registrationId, spec.amountDue));
  }
  if (spec.scenario !== 'failed') {
    stripe('payment_intent.succeeded', stripePaymentIntent('payment_intent.succeeded', ids, registrationId, spec.paidAmount));
  }
  const refundIds = spec.refundAmounts.map((amount, n) => {
    const refundId = `re_${tag}r${n}`;
    stripe('refund.created', stripeRefund('refund.created', ids, refundId, amount, 'pending'));
    stripe('refund.updated', stripeRefund('refund.updated', ids, refundId, amount, 'succeeded'));
    if (spec.scenario === 'refund_reversed') stripe('refund.failed', stripeRefund('refund.failed', ids, refundId, amount, 'failed'));
    return refundId;
  });
  if (spec.scenario === 'full_refund') stripe('charge.refunded', stripeChargeRefunded(ids, spec.paidAmount, spec.paidAmount));
  return { id: registrationId, scenario: spec.scenario, currency: 'USD', amountDue: spec.amountDue, paymentIds: [ids.paymentIntent], refundIds, events };
}

/**
 * Plans registrations until they have at least `minEvents` events, inserts
 * them into the database and builds every event body. `label` keeps provider
 * ids apart between plans in the same database.
 */
export async function createEventPlan(
  stack: FaultStack,
  targets: WebhookTargets,
  random: Random,
  options: { label: string; minEvents: number },
): Promise<EventPlan> {
  const specs: ScenarioSpec[] = [];
  let eventCount = 0;
  while (eventCount < options.minEvents) {
    const spec = specFor(random, random.weighted(SCENARIO_WEIGHTS));
    specs.push(spec);
    eventCount += EVENTS_PER_SCENARIO(spec);
  }

  // One multi-row INSERT: registrations are the setting of these tests, and creating thousands through the API takes minutes.
  const rows = specs.map((spec, index) => {
    const razorpay = spec.scenario.startsWith('razorpay');
    return {
      id: newId('reg'),
      organisation_id: stack.organisationId,
      event_id: razorpay ? targets.inrEventId : targets.usdEventId,
      email: `fault${index}@example.com`,
      name: `Fault attendee ${index}`,
      amount_due: spec.amountDue,
      currency: razorpay ? 'INR' : 'USD',
    };
  });
  await stack.database.db.batchInsert('registrations', rows, 1000);
  const registrations = specs.map((spec, index) => ({
    ...buildEvents(spec, rows[index]?.id as string, index, options.label, targets),
    expected: expectedState(spec),
  }));
  return { label: options.label, registrations, events: registrations.flatMap((registration) => registration.events) };
}

/**
 * Returns `total` deliveries: every event once in plan order, plus repeats
 * of random events, each repeat placed somewhere after its first delivery.
 */
export function inOrderWithDuplicates(random: Random, events: readonly PlannedEvent[], total: number): PlannedEvent[] {
  const deliveries = [...events];
  for (let extra = events.length; extra < total; extra += 1) {
    const event = events[random.int(0, events.length - 1)] as PlannedEvent;
    deliveries.splice(random.int(deliveries.indexOf(event) + 1, deliveries.length), 0, event);
  }
  return deliveries;
}

/** Returns every event once plus `duplicates` repeats of random events, all in a seeded random order. */
export function shuffledWithDuplicates(random: Random, events: readonly PlannedEvent[], duplicates: number): PlannedEvent[] {
  const deliveries = [...events];
  for (let n = 0; n < duplicates; n += 1) deliveries.push(random.pick(events));
  return random.shuffle(deliveries);
}
