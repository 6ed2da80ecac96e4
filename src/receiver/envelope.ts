import type { IncomingHttpHeaders } from 'node:http';
import { razorpayEnvelope } from '../providers/razorpay/schemas.js';
import { stripeEnvelope } from '../providers/stripe/schemas.js';
import { extractSearchKeys } from '../webhook-log/search-keys.js';

/** The provider-neutral facts the receiver needs from an event before it is stored. */
export interface EventEnvelope {
  providerEventId: string;
  type: string;
  /** Null for Razorpay, whose events carry no mode. */
  livemode: boolean | null;
  /** Provider `created` time, Unix seconds. */
  createdAt: number;
  /** Ids and emails the webhook log is searched by. */
  searchKeys: string[];
}

/** Thrown when a verified body is JSON but not an event of the provider's shape. */
export class InvalidEnvelopeError extends Error {
  override name = 'InvalidEnvelopeError';
}

function describeIssue(issues: { path: PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  return issue === undefined ? 'invalid event' : `field ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`;
}

export function parseStripeEnvelope(json: unknown): EventEnvelope {
  const parsed = stripeEnvelope.safeParse(json);
  if (!parsed.success) throw new InvalidEnvelopeError(`Not a Stripe event: ${describeIssue(parsed.error.issues)}`);
  return {
    providerEventId: parsed.data.id,
    type: parsed.data.type,
    livemode: parsed.data.livemode,
    createdAt: parsed.data.created,
    searchKeys: extractSearchKeys('stripe', json),
  };
}

/** Razorpay bodies carry no event id: it comes from `x-razorpay-event-id`. */
export function parseRazorpayEnvelope(json: unknown, headers: IncomingHttpHeaders): EventEnvelope {
  const eventId = headers['x-razorpay-event-id'];
  if (typeof eventId !== 'string' || eventId.trim() === '') throw new InvalidEnvelopeError('Missing x-razorpay-event-id header');
  if (eventId.length > 255) throw new InvalidEnvelopeError('x-razorpay-event-id header is longer than 255 characters');
  const parsed = razorpayEnvelope.safeParse(json);
  if (!parsed.success) throw new InvalidEnvelopeError(`Not a Razorpay event: ${describeIssue(parsed.error.issues)}`);
  return {
    providerEventId: eventId.trim(),
    type: parsed.data.event,
    livemode: null,
    createdAt: parsed.data.created_at,
    searchKeys: extractSearchKeys('razorpay', json),
  };
}
