import type { Provider } from '../domain/events.js';

/** Keys kept per event; a provider object rarely has more than a dozen ids. */
const MAX_KEYS = 32;
const MAX_KEY_LENGTH = 255;

/** Fields whose values are ids or emails a support person searches for. */
const STRIPE_ID_FIELDS = ['id', 'payment_intent', 'charge', 'latest_charge', 'customer', 'subscription', 'invoice', 'client_reference_id'];
const STRIPE_EMAIL_PATHS = [['receipt_email'], ['customer_email'], ['customer_details', 'email'], ['billing_details', 'email'], ['email']];
const RAZORPAY_ID_FIELDS = ['id', 'payment_id', 'order_id', 'customer_id', 'subscription_id', 'invoice_id'];

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function valueAt(object: Record<string, unknown>, path: string[]): unknown {
  let current: unknown = object;
  for (const key of path) current = asRecord(current)?.[key];
  return current;
}

function registrationIdOf(object: Record<string, unknown>): unknown {
  return asRecord(object['metadata'])?.['registration_id'] ?? asRecord(object['notes'])?.['registration_id'];
}

function collect(keys: Set<string>, value: unknown): void {
  // Expanded Stripe objects carry their id in `id`.
  const candidate = asRecord(value)?.['id'] ?? value;
  if (typeof candidate !== 'string') return;
  const key = candidate.trim().toLowerCase();
  if (key.length > 0 && key.length <= MAX_KEY_LENGTH && keys.size < MAX_KEYS) keys.add(key);
}

/**
 * Extracts the ids and emails of a provider event that the webhook log is
 * searched by: payment, order, refund, subscription, invoice, customer and
 * registration ids, and customer emails. Lower-cased, so search ignores case.
 */
export function extractSearchKeys(provider: Provider, event: unknown): string[] {
  const keys = new Set<string>();
  const envelope = asRecord(event);
  if (envelope === undefined) return [];

  const objects: Record<string, unknown>[] = [];
  if (provider === 'stripe') {
    const object = asRecord(asRecord(envelope['data'])?.['object']);
    if (object !== undefined) objects.push(object);
  } else {
    for (const wrapper of Object.values(asRecord(envelope['payload']) ?? {})) {
      const entity = asRecord(asRecord(wrapper)?.['entity']);
      if (entity !== undefined) objects.push(entity);
    }
  }

  for (const object of objects) {
    for (const field of provider === 'stripe' ? STRIPE_ID_FIELDS : RAZORPAY_ID_FIELDS) collect(keys, object[field]);
    collect(keys, registrationIdOf(object));
    for (const path of STRIPE_EMAIL_PATHS) collect(keys, valueAt(object, path));
    if (provider === 'stripe') collect(keys, valueAt(object, ['parent', 'subscription_details', 'subscription']));
  }
  return [...keys];
}
