import { z } from 'zod';

/** Razorpay event envelope. The event id is not in the body; it arrives in the `x-razorpay-event-id` header. */
export const razorpayEnvelope = z.object({
  entity: z.literal('event'),
  event: z.string().min(1).max(255),
  contains: z.array(z.string()).optional(),
  payload: z.record(z.string(), z.unknown()),
  created_at: z.number().int(),
});
export type RazorpayEnvelope = z.infer<typeof razorpayEnvelope>;

/** Razorpay sends empty notes as `[]` rather than `{}`. */
const notes = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish();

export const payment = z.object({
  id: z.string().min(1),
  amount: z.number().int().nonnegative(),
  currency: z.string().length(3),
  status: z.string(),
  order_id: z.string().nullish(),
  notes,
  error_code: z.string().nullish(),
  error_description: z.string().nullish(),
  error_reason: z.string().nullish(),
});

export const order = z.object({
  id: z.string().min(1),
  notes,
});

export const refund = z.object({
  id: z.string().min(1),
  payment_id: z.string().min(1),
  amount: z.number().int().nonnegative(),
  currency: z.string().length(3),
  status: z.string().nullish(),
});

export const subscription = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  plan_id: z.string().nullish(),
  customer_id: z.string().nullish(),
  current_end: z.number().int().nullish(),
});

/** Reads `registration_id` from notes, which may be an object or an empty array. */
export function registrationIdFromNotes(value: z.infer<typeof notes>): string | undefined {
  if (value === null || value === undefined || Array.isArray(value)) return undefined;
  const id = value['registration_id'];
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** Returns `payload.<name>.entity`, the shape every Razorpay event uses for the objects it contains. */
export function entityOf(envelope: RazorpayEnvelope, name: string): unknown {
  const wrapper = envelope.payload[name];
  return typeof wrapper === 'object' && wrapper !== null ? (wrapper as { entity?: unknown }).entity : undefined;
}
