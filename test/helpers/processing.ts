import { randomBytes } from 'node:crypto';
import type { Provider } from '../../src/domain/events.js';
import { queueFor } from '../../src/queues/routing.js';
import { fixtureWith, readFixture } from './fixtures.js';
import { RAZORPAY_SECRET, STRIPE_SECRET, waitFor, waitForWebhookStatus, type Harness } from './harness.js';

/** Time allowed for the worker pool's asynchronous `failed` listener after BullMQ marks a job failed, in milliseconds. */
const FAILED_LISTENER_GRACE_MS = 200;

/** A webhook log row after its job finished, successfully or not. */
export interface FinishedRow {
  status: string;
  last_error: string | null;
  attempts: number;
}

/** Returns a fresh provider-style id such as `pi_t3f9a...`, so every test owns its own payments and events. */
export function uniqueId(prefix: string): string {
  return `${prefix}_t${randomBytes(8).toString('hex')}`;
}

/** Creates a ticketing event. With `razorpay` it gets the harness Razorpay secret and so becomes a Razorpay webhook endpoint. */
export async function createTicketingEvent(h: Harness, options: { currency: string; razorpay?: boolean; apiKey?: string }): Promise<string> {
  const body = { name: 'DevConf', currency: options.currency, ...(options.razorpay === true ? { razorpay_webhook_secret: RAZORPAY_SECRET } : {}) };
  const response = await h.api('POST', '/api/v1/events', body, options.apiKey);
  if (response.status !== 201) throw new Error(`Creating an event returned ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** Creates a Stripe payment connection signed with the harness secret and returns its webhook path. */
export async function createStripeConnection(h: Harness, apiKey?: string): Promise<string> {
  const response = await h.api('POST', '/api/v1/payment-connections', { provider: 'stripe', webhook_secrets: [STRIPE_SECRET], livemode: false }, apiKey);
  if (response.status !== 201) throw new Error(`Creating a payment connection returned ${response.status}: ${JSON.stringify(response.body)}`);
  return `/webhooks/stripe/${response.body.id as string}`;
}

/** Creates a registration through the API and returns its id. */
export async function createRegistration(
  h: Harness,
  eventId: string,
  fields: { amount_due: number; currency: string; provider_payment_id?: string },
  apiKey?: string,
): Promise<string> {
  const response = await h.api('POST', `/api/v1/events/${eventId}/registrations`, { email: 'attendee@example.com', name: 'Attendee', ...fields }, apiKey);
  if (response.status !== 201) throw new Error(`Creating a registration returned ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/**
 * Inserts a registration with a chosen id straight into the database, for
 * tests where a payment names a registration before it exists. The API
 * would pick its own id, and creating it with a provider_payment_id would
 * replay the failed payment by itself.
 */
export async function insertRegistration(h: Harness, eventId: string, id: string, fields: { amount_due: number; currency: string }): Promise<string> {
  await h.database.db('registrations').insert({ id, organisation_id: h.organisationId, event_id: eventId, email: 'attendee@example.com', name: 'Attendee', ...fields });
  return id;
}

/** Reads a registration through the API and throws unless the API returns 200. */
export async function getRegistration(h: Harness, id: string, apiKey?: string): Promise<any> {
  const response = await h.api('GET', `/api/v1/registrations/${id}`, undefined, apiKey);
  if (response.status !== 200) throw new Error(`GET registration ${id} returned ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Replaces the fixture's own event id with a fresh one, then applies the other replacements. */
function stripeFixture(name: string, replacements: Record<string, string | number>): Buffer {
  const fixtureEventId = (JSON.parse(readFixture(name).toString('utf8')) as { id: string }).id;
  return fixtureWith(name, { [fixtureEventId]: uniqueId('evt'), ...replacements });
}

/** Builds `payment_intent.succeeded`, with `amount` as both the requested and the received amount. */
export function stripePaymentSucceeded(p: { registrationId: string; paymentIntentId: string; amount: number; currency?: string; created?: number }): Buffer {
  return stripeFixture('stripe.payment_intent.succeeded.json', {
    reg_01JF8T4K2M9QZ: p.registrationId,
    pi_3RfxT0Kq8ZbW2mNa1cD4eF5g: p.paymentIntentId,
    '"amount": 4500,': `"amount": ${p.amount},`,
    '"amount_received": 4500,': `"amount_received": ${p.amount},`,
    '"currency": "usd"': `"currency": "${p.currency ?? 'usd'}"`,
    '"created": 1767225601': `"created": ${p.created ?? 1767225601}`,
  });
}

/** Builds `payment_intent.payment_failed` for a 4500 USD intent. */
export function stripePaymentFailed(p: { registrationId: string; paymentIntentId: string }): Buffer {
  return stripeFixture('stripe.payment_intent.payment_failed.json', {
    reg_01JF9B7XQW3HD: p.registrationId,
    pi_3RgA02Kq8ZbW2mNa0uV1wX2y: p.paymentIntentId,
    '"amount": 9000,': '"amount": 4500,',
  });
}

/** Builds a USD Stripe refund event: `refund.created`, `refund.updated`, `refund.failed` or `charge.refund.updated`. */
export function stripeRefund(p: { type: string; refundId: string; paymentIntentId: string; amount: number; status: string; created?: number }): Buffer {
  return stripeFixture('stripe.refund.updated.json', {
    '"type": "refund.updated"': `"type": "${p.type}"`,
    re_3RfxT0Kq8ZbW2mNa1Rfd0001: p.refundId,
    pi_3RfxT0Kq8ZbW2mNa1cD4eF5g: p.paymentIntentId,
    '"amount": 4500,': `"amount": ${p.amount},`,
    '"status": "succeeded"': `"status": "${p.status}"`,
    '"created": 1767830460': `"created": ${p.created ?? 1767830460}`,
  });
}

/**
 * Builds `charge.refunded` with the charge's cumulative `amount_refunded`. Without
 * `refunds` the charge has no refund list, as on API versions since
 * 2022-11-15; with it the charge lists those refunds, as older versions do.
 */
export function stripeChargeRefunded(p: {
  paymentIntentId: string;
  amountRefunded: number;
  created: number;
  refunds?: { id: string; amount: number; status: string }[];
}): Buffer {
  const refundList: Record<string, string> =
    p.refunds === undefined
      ? {}
      : {
          '"refunded": true,': `"refunded": true,\n      "refunds": ${JSON.stringify({
            object: 'list',
            data: p.refunds.map((item) => ({ id: item.id, object: 'refund', amount: item.amount, currency: 'usd', payment_intent: p.paymentIntentId, status: item.status })),
          })},`,
        };
  return stripeFixture('stripe.charge.refunded.json', {
    ...refundList,
    pi_3RfxT0Kq8ZbW2mNa1cD4eF5g: p.paymentIntentId,
    '"amount_refunded": 4500,': `"amount_refunded": ${p.amountRefunded},`,
    '"created": 1767830402': `"created": ${p.created}`,
  });
}

/** Builds a Checkout Session event for a 4500 USD session. With `metadataEmpty`, only `client_reference_id` names the registration. */
export function stripeCheckoutSession(p: {
  type: 'checkout.session.completed' | 'checkout.session.async_payment_succeeded' | 'checkout.session.async_payment_failed';
  sessionId: string;
  paymentIntentId: string;
  registrationId: string;
  paymentStatus: 'paid' | 'unpaid';
  metadataEmpty?: boolean;
}): Buffer {
  const metadata: Record<string, string> = p.metadataEmpty === true
    ? {
        '"metadata": {\n        "registration_id": "reg_01JF8T4K2M9QZ",\n        "ticketing_event_id": "tev_devconf_2026"\n      },': '"metadata": {},',
      }
    : {};
  return stripeFixture('stripe.checkout.session.completed.json', {
    ...metadata,
    '"type": "checkout.session.completed"': `"type": "${p.type}"`,
    cs_test_a1FixtureSessionDevConf2026GA0001: p.sessionId,
    pi_3RfxT0Kq8ZbW2mNa1cD4eF5g: p.paymentIntentId,
    reg_01JF8T4K2M9QZ: p.registrationId,
    '"payment_status": "paid"': `"payment_status": "${p.paymentStatus}"`,
  });
}

/** Builds a `customer.subscription.*` event. The defaults are the fixture's plan `price_1RhB8xKq8ZbW2mNaPassYr26` and period end 1798761700. */
export function stripeSubscription(p: {
  type: string;
  subscriptionId: string;
  status: string;
  created: number;
  cancelAtPeriodEnd?: boolean;
  currentPeriodEnd?: number;
  priceId?: string;
}): Buffer {
  return stripeFixture('stripe.customer.subscription.updated.json', {
    '"type": "customer.subscription.updated"': `"type": "${p.type}"`,
    sub_1RhB9zKq8ZbW2mNaSeas0n26: p.subscriptionId,
    '"status": "active"': `"status": "${p.status}"`,
    '"created": 1768003205': `"created": ${p.created}`,
    '"cancel_at_period_end": true': `"cancel_at_period_end": ${p.cancelAtPeriodEnd ?? true}`,
    '"current_period_end": 1798761700': `"current_period_end": ${p.currentPeriodEnd ?? 1798761700}`,
    price_1RhB8xKq8ZbW2mNaPassYr26: p.priceId ?? 'price_1RhB8xKq8ZbW2mNaPassYr26',
  });
}

/** Builds `invoice.paid` or `invoice.payment_failed` for a subscription invoice, in the API 2025-03-31.basil shape. */
export function stripeInvoice(p: { type: 'invoice.paid' | 'invoice.payment_failed'; invoiceId: string; subscriptionId: string; created: number }): Buffer {
  return stripeFixture('stripe.invoice.paid.json', {
    '"type": "invoice.paid"': `"type": "${p.type}"`,
    in_1RhB9zKq8ZbW2mNaInv00002: p.invoiceId,
    sub_1RhB9zKq8ZbW2mNaSeas0n26: p.subscriptionId,
    '"created": 1798761760': `"created": ${p.created}`,
  });
}

/** Posts a signed Stripe delivery and returns its webhook log id. Throws unless the receiver returns 200. */
export async function postStripeEvent(h: Harness, path: string, body: Buffer): Promise<number> {
  const response = await h.postStripe(path, body);
  if (response.status !== 200) throw new Error(`Stripe delivery returned ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.webhook_event_id as number;
}

const RAZORPAY_NOTES =
  '{\n          "registration_id": "reg_01JF8W6P0D5NS",\n          "ticketing_event_id": "tev_devconf_blr_2026"\n        }';

/** Builds `payment.captured` or `order.paid`. A null `registrationId` gives empty notes (`[]`) on the payment and the order. */
export function razorpayPaymentCaptured(p: { event: 'payment.captured' | 'order.paid'; paymentId: string; orderId: string; registrationId: string | null; amount: number }): Buffer {
  const fixture = p.event === 'order.paid' ? 'razorpay.order.paid.json' : 'razorpay.payment.captured.json';
  return fixtureWith(fixture, {
    ...(p.registrationId === null ? { [RAZORPAY_NOTES]: '[]' } : { reg_01JF8W6P0D5NS: p.registrationId }),
    pay_PxK3mT8vQa2LcZ: p.paymentId,
    order_PxK2zR7uNa1KbY: p.orderId,
    '149900': p.amount,
  });
}

/** Builds `payment.failed` for an INR payment. A null `registrationId` gives empty notes (`[]`). */
export function razorpayPaymentFailed(p: { paymentId: string; orderId: string; registrationId: string | null; amount: number }): Buffer {
  const failedNotes = RAZORPAY_NOTES.replace('reg_01JF8W6P0D5NS', 'reg_01JF9C2HYT8RW');
  return fixtureWith('razorpay.payment.failed.json', {
    ...(p.registrationId === null ? { [failedNotes]: '[]' } : { reg_01JF9C2HYT8RW: p.registrationId }),
    pay_PyL4nU9wRb3MdA: p.paymentId,
    order_PyL3aS8vOb2LcZ: p.orderId,
    '"amount": 299900': `"amount": ${p.amount}`,
  });
}

/** Builds an INR Razorpay refund event: `refund.created`, `refund.processed` or `refund.failed`. */
export function razorpayRefund(p: { event: string; refundId: string; paymentId: string; amount: number; status: string }): Buffer {
  return fixtureWith('razorpay.refund.processed.json', {
    '"event": "refund.processed"': `"event": "${p.event}"`,
    rfnd_PzM5oW1yTd5OfC: p.refundId,
    pay_PxK3mT8vQa2LcZ: p.paymentId,
    '"amount": 149900': `"amount": ${p.amount}`,
    '"status": "processed"': `"status": "${p.status}"`,
  });
}

/** Builds a Razorpay `subscription.*` event on the fixture's plan `plan_Q0N5oW1yTd5OfC`, with `current_end` 1769904100 by default. */
export function razorpaySubscription(p: { event: string; subscriptionId: string; status: string; createdAt: number; currentEnd?: number }): Buffer {
  return fixtureWith('razorpay.subscription.updated.json', {
    '"event": "subscription.updated"': `"event": "${p.event}"`,
    sub_Q0N6pX2zUe6PgD: p.subscriptionId,
    '"status": "active"': `"status": "${p.status}"`,
    '"created_at": 1768003205': `"created_at": ${p.createdAt}`,
    '"current_end": 1769904100': `"current_end": ${p.currentEnd ?? 1769904100}`,
  });
}

/** Posts a signed Razorpay delivery with a fresh event id to a ticketing event's endpoint and returns the webhook log id. */
export async function postRazorpayEvent(h: Harness, ticketingEventId: string, body: Buffer): Promise<number> {
  const response = await h.postRazorpay(ticketingEventId, body, uniqueId('evt'));
  if (response.status !== 200) throw new Error(`Razorpay delivery returned ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.webhook_event_id as number;
}

/**
 * Waits until a webhook log row is `processed` or `failed`. A `failed` row
 * is read again once its BullMQ job has failed and the pool's `failed`
 * listener had time to run, because that listener writes the row too.
 */
export async function waitUntilFinished(h: Harness, webhookEventId: number): Promise<FinishedRow> {
  const row = await waitForWebhookStatus(h, webhookEventId, ['processed', 'failed'], 20_000);
  if (row.status === 'processed') return row;

  const stored = await h.database.db('webhook_events').where({ id: webhookEventId }).first<{ provider: Provider; type: string; job_id: string }>('provider', 'type', 'job_id');
  const queue = queueFor(stored.provider, stored.type);
  if (queue === undefined) throw new Error(`Webhook event ${webhookEventId} of type ${stored.type} has no queue`);
  await waitFor(
    async () => ((await h.services.producer.queue(queue).getJobState(stored.job_id)) === 'failed' ? true : undefined),
    10_000,
    `job ${stored.job_id} to reach failed`,
  );
  await new Promise((resolve) => setTimeout(resolve, FAILED_LISTENER_GRACE_MS));
  return h.database.db('webhook_events').where({ id: webhookEventId }).first<FinishedRow>('status', 'last_error', 'attempts');
}

/** Waits until a refund job is delayed to wait for its payment, which leaves its row `queued` with an error recorded. */
export async function waitUntilWaitingForPayment(h: Harness, webhookEventId: number): Promise<FinishedRow> {
  return waitFor(
    async () => {
      const row = await h.database.db('webhook_events').where({ id: webhookEventId }).first<FinishedRow | undefined>('status', 'last_error', 'attempts');
      return row !== undefined && row.status === 'queued' && row.last_error !== null ? row : undefined;
    },
    10_000,
    `webhook event ${webhookEventId} to wait for its payment`,
  );
}

/**
 * Delivers named events one at a time in the given order, waiting for each
 * to finish processing before the next, so the order is also the order in
 * which the workers apply them. Returns each event's finished log row.
 */
export async function deliverInOrder(
  h: Harness,
  order: readonly string[],
  deliveries: Record<string, () => Promise<number>>,
): Promise<Record<string, FinishedRow>> {
  const rows: Record<string, FinishedRow> = {};
  for (const name of order) {
    const deliver = deliveries[name];
    if (deliver === undefined) throw new Error(`No delivery named ${name}`);
    rows[name] = await waitUntilFinished(h, await deliver());
  }
  return rows;
}

/** Delivers all named events at once and waits for every one to finish, so the workers race on them. */
export async function deliverTogether(h: Harness, deliveries: Record<string, () => Promise<number>>): Promise<Record<string, FinishedRow>> {
  const names = Object.keys(deliveries);
  const ids = await Promise.all(names.map((name) => (deliveries[name] as () => Promise<number>)()));
  const rows = await Promise.all(ids.map((id) => waitUntilFinished(h, id)));
  return Object.fromEntries(names.map((name, index) => [name, rows[index] as FinishedRow]));
}

/** Returns both arrival orders of two events. */
export function bothOrders<T extends string>(first: T, second: T): [T, T][] {
  return [
    [first, second],
    [second, first],
  ];
}
