import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Job } from 'bullmq';
import type { QueueName } from '../../src/queues/names.js';
import { fixtureWith, readFixture } from './fixtures.js';
import { RAZORPAY_SECRET, type Harness } from './harness.js';
import { stripeSignature } from './sign.js';

/** The registration id that the Stripe fixtures put in metadata. */
export const STRIPE_FIXTURE_REGISTRATION = 'reg_01JF8T4K2M9QZ';
/** The registration id that the Razorpay payment fixtures put in notes. */
export const RAZORPAY_FIXTURE_REGISTRATION = 'reg_01JF8W6P0D5NS';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** Posts raw bytes with exactly the given headers; the body is parsed as JSON when it is JSON. */
export async function postRaw(baseUrl: string, path: string, body: Buffer | string, headers: Record<string, string>): Promise<RawResponse> {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Kept as text so a test can show what a non-JSON response contained.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Returns the hex v1 value of the `Stripe-Signature` header for these bytes, secret and timestamp. */
export function stripeV1(rawBody: Buffer, secret: string, timestampSeconds: number): string {
  const v1 = /(?:^|,)v1=([0-9a-f]{64})(?:,|$)/.exec(stripeSignature(rawBody, secret, timestampSeconds))?.[1];
  if (v1 === undefined) throw new Error('stripeSignature returned a header without a v1 value');
  return v1;
}

/** Returns a fresh Stripe-style event id, so each test's delivery is a new event. */
export function newStripeEventId(): string {
  return `evt_test_${randomBytes(8).toString('hex')}`;
}

/** Returns a fresh Razorpay-style event id for the `x-razorpay-event-id` header. */
export function newRazorpayEventId(): string {
  return `evt_${randomBytes(7).toString('hex')}`;
}

/**
 * Reads a Stripe fixture with its event id replaced by `eventId` and the
 * other strings replaced as given, keeping the fixture's pretty-printing.
 */
export function stripeFixture(name: string, eventId: string, replacements: Record<string, string | number> = {}): Buffer {
  const originalId = (JSON.parse(readFixture(name).toString('utf8')) as { id: string }).id;
  return fixtureWith(name, { ...replacements, [originalId]: eventId });
}

/** Creates a Stripe payment connection through the API and returns its id. */
export async function createStripeConnection(h: Harness, secrets: string[], livemode = false): Promise<string> {
  const response = await h.api('POST', '/api/v1/payment-connections', { provider: 'stripe', webhook_secrets: secrets, livemode });
  if (response.status !== 201) throw new Error(`Creating a payment connection failed with ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/**
 * Creates a ticketing event and one registration in it through the API.
 * `razorpaySecret` null creates the event without a Razorpay webhook secret.
 */
export async function createRegistration(
  h: Harness,
  options: { currency: string; amountDue: number; razorpaySecret?: string | null },
): Promise<{ eventId: string; registrationId: string }> {
  const secret = options.razorpaySecret === undefined ? RAZORPAY_SECRET : options.razorpaySecret;
  const event = await h.api('POST', '/api/v1/events', {
    name: 'Receiver test event',
    currency: options.currency,
    ...(secret === null ? {} : { razorpay_webhook_secret: secret }),
  });
  if (event.status !== 201) throw new Error(`Creating an event failed with ${event.status}: ${JSON.stringify(event.body)}`);
  const registration = await h.api('POST', `/api/v1/events/${event.body.id}/registrations`, {
    email: 'attendee@example.com',
    name: 'Attendee',
    amount_due: options.amountDue,
    currency: options.currency,
  });
  if (registration.status !== 201) throw new Error(`Creating a registration failed with ${registration.status}: ${JSON.stringify(registration.body)}`);
  return { eventId: event.body.id as string, registrationId: registration.body.id as string };
}

export interface WebhookRow {
  id: number;
  organisation_id: string | null;
  provider: string;
  source_key: string;
  connection_id: string | null;
  event_id: string | null;
  provider_event_id: string | null;
  type: string | null;
  livemode: boolean | null;
  status: string;
  last_error: string | null;
  delivery_count: number;
  payload: string | null;
  body_bytes: number;
  job_id: string | null;
  processed_at: Date | null;
}

/** Returns the webhook log rows matching `where`, oldest first. */
export async function webhookRows(h: Harness, where: Partial<WebhookRow>): Promise<WebhookRow[]> {
  return h.database.db('webhook_events').where(where).orderBy('id').select<WebhookRow[]>('*');
}

/** Returns the jobs in `queue`, in any state, whose data points at the given webhook log row. */
export async function jobsForRow(h: Harness, queue: QueueName, webhookEventId: number): Promise<Job[]> {
  const jobs = await h.services.producer.queue(queue).getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'waiting-children']);
  return jobs.filter((job) => job.data.webhookEventId === webhookEventId);
}

/**
 * Waits until just after a wall-clock second starts, so a request sent next
 * reaches the server within the same second and timestamp skews are exact.
 */
export async function waitForSecondStart(): Promise<void> {
  const msIntoSecond = Date.now() % 1000;
  await new Promise((resolve) => setTimeout(resolve, 1000 - msIntoSecond + 5));
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago (listen on port 0, then close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('Listening on port 0 returned no TCP address');
  return address.port;
}

/** Returns a promise that resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
