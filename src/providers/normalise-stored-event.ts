import type { DomainEvent, Provider } from '../domain/events.js';
import { MalformedEventError } from '../errors.js';
import { RAZORPAY_ROUTES, STRIPE_ROUTES } from '../queues/routing.js';
import { parseProviderJson } from './parse-json.js';
import { razorpayEnvelope } from './razorpay/schemas.js';
import { stripeEnvelope } from './stripe/schemas.js';

/**
 * Turns a stored, already verified webhook payload into a domain event.
 * Returns null for event types with nothing to apply.
 */
export function normaliseStoredEvent(provider: Provider, payload: string): DomainEvent | null {
  let json: unknown;
  try {
    json = parseProviderJson(payload);
  } catch {
    throw new MalformedEventError('Stored payload is not valid JSON');
  }
  if (provider === 'stripe') {
    const envelope = stripeEnvelope.safeParse(json);
    if (!envelope.success) throw new MalformedEventError('Stored payload is not a Stripe event');
    const route = Object.hasOwn(STRIPE_ROUTES, envelope.data.type) ? STRIPE_ROUTES[envelope.data.type] : undefined;
    return route === undefined ? null : route.normalise(envelope.data);
  }
  const envelope = razorpayEnvelope.safeParse(json);
  if (!envelope.success) throw new MalformedEventError('Stored payload is not a Razorpay event');
  const route = Object.hasOwn(RAZORPAY_ROUTES, envelope.data.event) ? RAZORPAY_ROUTES[envelope.data.event] : undefined;
  return route === undefined ? null : route.normalise(envelope.data);
}
