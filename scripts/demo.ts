import { formatMinor } from '../src/money/currency.js';
import { signRazorpayBody, signStripeBody } from '../src/providers/signing.js';
import { readDemoState, type DemoState } from './dev/demo-state.js';
import * as payloads from './demo/payloads.js';

/**
 * `npm run demo`: with `npm run dev` running, posts signed Stripe and Razorpay
 * webhook sequences over HTTP and prints each registration before and after.
 */

interface Registration {
  id: string;
  status: string;
  amount_due: number;
  amount_paid: number;
  amount_refunded: number;
  currency: string;
  payments: unknown[];
}

type Delivery = { provider: 'stripe'; body: Record<string, unknown> } | { provider: 'razorpay'; body: Record<string, unknown>; eventId: string };

interface Scenario {
  title: string;
  currency: 'USD' | 'INR';
  amountDue: number;
  expected: string;
  deliveries: (registrationId: string) => Delivery[];
}

const stripeScenarios: Scenario[] = [
  {
    title: 'Stripe: payment succeeded',
    currency: 'USD',
    amountDue: 4500,
    expected: 'confirmed',
    deliveries: (reg) => [{ provider: 'stripe', body: payloads.stripePaymentIntent('payment_intent.succeeded', payloads.newStripeIds(), reg, 4500) }],
  },
  {
    title: 'Stripe: failure, then success',
    currency: 'USD',
    amountDue: 4500,
    expected: 'confirmed',
    deliveries: (reg) => {
      const ids = payloads.newStripeIds();
      return [
        { provider: 'stripe', body: payloads.stripePaymentIntent('payment_intent.payment_failed', ids, reg, 4500) },
        { provider: 'stripe', body: payloads.stripePaymentIntent('payment_intent.succeeded', ids, reg, 4500) },
      ];
    },
  },
  {
    title: 'Stripe: same event delivered 3 times',
    currency: 'USD',
    amountDue: 4500,
    expected: 'confirmed',
    deliveries: (reg) => {
      const body = payloads.stripePaymentIntent('payment_intent.succeeded', payloads.newStripeIds(), reg, 4500);
      return [1, 2, 3].map(() => ({ provider: 'stripe' as const, body }));
    },
  },
  {
    title: 'Stripe: partial refund of 15.00',
    currency: 'USD',
    amountDue: 4500,
    expected: 'confirmed',
    deliveries: (reg) => {
      const ids = payloads.newStripeIds();
      return [
        { provider: 'stripe', body: payloads.stripePaymentIntent('payment_intent.succeeded', ids, reg, 4500) },
        { provider: 'stripe', body: payloads.stripeRefund('refund.updated', ids, payloads.newRefundId('stripe'), 1500, 'succeeded') },
      ];
    },
  },
  {
    title: 'Stripe: full refund (refund events + charge.refunded)',
    currency: 'USD',
    amountDue: 4500,
    expected: 'refunded',
    deliveries: (reg) => {
      const ids = payloads.newStripeIds();
      const refundId = payloads.newRefundId('stripe');
      return [
        { provider: 'stripe', body: payloads.stripePaymentIntent('payment_intent.succeeded', ids, reg, 4500) },
        { provider: 'stripe', body: payloads.stripeRefund('refund.created', ids, refundId, 4500, 'pending') },
        { provider: 'stripe', body: payloads.stripeRefund('refund.updated', ids, refundId, 4500, 'succeeded') },
        { provider: 'stripe', body: payloads.stripeChargeRefunded(ids, 4500, 4500) },
      ];
    },
  },
];

const razorpayScenarios: Scenario[] = [
  {
    title: 'Razorpay: payment.captured + order.paid',
    currency: 'INR',
    amountDue: 149900,
    expected: 'confirmed',
    deliveries: (reg) => {
      const ids = payloads.newRazorpayIds();
      return [
        { provider: 'razorpay', body: payloads.razorpayPayment('payment.captured', ids, reg, 149900), eventId: payloads.newRazorpayEventId() },
        { provider: 'razorpay', body: payloads.razorpayPayment('order.paid', ids, reg, 149900), eventId: payloads.newRazorpayEventId() },
      ];
    },
  },
  {
    title: 'Razorpay: captured, then full refund',
    currency: 'INR',
    amountDue: 149900,
    expected: 'refunded',
    deliveries: (reg) => {
      const ids = payloads.newRazorpayIds();
      return [
        { provider: 'razorpay', body: payloads.razorpayPayment('payment.captured', ids, reg, 149900), eventId: payloads.newRazorpayEventId() },
        { provider: 'razorpay', body: payloads.razorpayRefundProcessed(ids, payloads.newRefundId('razorpay'), 149900), eventId: payloads.newRazorpayEventId() },
      ];
    },
  },
];

async function call<T>(state: DemoState, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${state.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${state.apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path} returned ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Posts one signed delivery the way the provider would and returns the webhook log id. */
async function deliver(state: DemoState, delivery: Delivery): Promise<number> {
  const raw = Buffer.from(JSON.stringify(delivery.body, null, 2), 'utf8');
  const response =
    delivery.provider === 'stripe'
      ? await fetch(`${state.baseUrl}/webhooks/stripe/${state.stripeConnectionId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': signStripeBody(raw, state.stripeWebhookSecret) },
          body: raw,
        })
      : await fetch(`${state.baseUrl}/webhooks/razorpay/${state.razorpayEventId}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-razorpay-signature': signRazorpayBody(raw, state.razorpayWebhookSecret),
            'x-razorpay-event-id': delivery.eventId,
          },
          body: raw,
        });
  const json = (await response.json()) as { webhook_event_id?: number; error?: { message: string } };
  if (response.status !== 200 || json.webhook_event_id === undefined) throw new Error(`Webhook returned ${response.status}: ${json.error?.message ?? ''}`);
  return json.webhook_event_id;
}

/** Waits until the webhook log row has finished processing, so "after" shows the applied state. */
async function waitProcessed(state: DemoState, webhookEventId: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const row = await call<{ status: string; last_error: string | null }>(state, 'GET', `/api/v1/webhook-events/${webhookEventId}`);
    if (['processed', 'ignored', 'failed'].includes(row.status)) return row.status;
    if (Date.now() > deadline) throw new Error(`Webhook event ${webhookEventId} still ${row.status} after 30 s; is the worker running?`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function describe(registration: Registration): string {
  const refunded = registration.amount_refunded > 0 ? `, refunded ${formatMinor(registration.amount_refunded, registration.currency)}` : '';
  return `${registration.status} (paid ${formatMinor(registration.amount_paid, registration.currency)}${refunded}, payments: ${registration.payments.length})`;
}

async function runScenario(state: DemoState, scenario: Scenario, index: number): Promise<boolean> {
  const eventId = scenario.currency === 'INR' ? state.razorpayEventId : state.eventId;
  const created = await call<Registration>(state, 'POST', `/api/v1/events/${eventId}/registrations`, {
    email: `demo.attendee${index}@example.com`,
    name: `Demo Attendee ${index}`,
    amount_due: scenario.amountDue,
    currency: scenario.currency,
  });
  const ids: number[] = [];
  // Deliveries go one after another so the log shows a provider-like order; the rules hold in any order.
  for (const delivery of scenario.deliveries(created.id)) ids.push(await deliver(state, delivery));
  for (const id of new Set(ids)) await waitProcessed(state, id);
  const after = await call<Registration>(state, 'GET', `/api/v1/registrations/${created.id}`);
  const ok = after.status === scenario.expected;
  process.stdout.write(`\n${ok ? 'OK  ' : 'FAIL'} ${scenario.title}  [${created.id}, ${ids.length} deliveries]\n`);
  process.stdout.write(`     before: ${describe(created)}\n     after:  ${describe(after)}   expected: ${scenario.expected}\n`);
  return ok;
}

async function runSubscriptionScenario(state: DemoState): Promise<boolean> {
  const subscriptionId = `sub_Demo${Date.now().toString(36)}`;
  const now = Math.floor(Date.now() / 1000);
  const deliveries: Delivery[] = [
    { provider: 'stripe', body: payloads.stripeSubscription('customer.subscription.created', subscriptionId, 'active', 'price_SeasonPass', now - 120) },
    { provider: 'stripe', body: payloads.stripeSubscription('customer.subscription.updated', subscriptionId, 'past_due', 'price_SeasonPass', now) },
    // Arrives last but was created earlier: must change nothing.
    { provider: 'stripe', body: payloads.stripeSubscription('customer.subscription.updated', subscriptionId, 'active', 'price_SeasonPass', now - 60) },
  ];
  for (const delivery of deliveries) await waitProcessed(state, await deliver(state, delivery));
  const subscription = await call<{ status: string; plan: string }>(state, 'GET', `/api/v1/subscriptions/stripe/${subscriptionId}`);
  const ok = subscription.status === 'past_due';
  process.stdout.write(`\n${ok ? 'OK  ' : 'FAIL'} Stripe: subscription change, then a stale update  [${subscriptionId}, 3 deliveries]\n`);
  process.stdout.write(`     before: none\n     after:  ${subscription.status} on ${subscription.plan}   expected: past_due\n`);
  return ok;
}

const state = await readDemoState();
if (state === undefined) {
  process.stderr.write('No .data/demo.json: start the service with `npm run dev` first, then run `npm run demo` in another terminal.\n');
  process.exit(1);
}
try {
  await fetch(`${state.baseUrl}/healthz`);
} catch {
  process.stderr.write(`No response from the service at ${state.baseUrl}: start it with \`npm run dev\` first.\n`);
  process.exit(1);
}

process.stdout.write(`Posting signed webhooks to ${state.baseUrl}\n`);
const results: boolean[] = [];
let index = 0;
for (const scenario of [...stripeScenarios, ...razorpayScenarios]) results.push(await runScenario(state, scenario, (index += 1)));
results.push(await runSubscriptionScenario(state));
const passed = results.filter(Boolean).length;
process.stdout.write(`\n${passed} of ${results.length} scenarios ended in the expected state.\n`);
process.exitCode = passed === results.length ? 0 : 1;
