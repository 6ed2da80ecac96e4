import { z } from 'zod';

/** Stripe event envelope: the fields the receiver relies on. Unknown fields are kept and ignored. */
export const stripeEnvelope = z.object({
  id: z.string().min(1).max(255),
  object: z.literal('event'),
  type: z.string().min(1).max(255),
  created: z.number().int(),
  livemode: z.boolean(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEnvelope = z.infer<typeof stripeEnvelope>;

const metadata = z.record(z.string(), z.string().nullable()).nullish();

export const paymentIntent = z.object({
  id: z.string().min(1),
  amount: z.number().int().nonnegative(),
  amount_received: z.number().int().nonnegative().nullish(),
  currency: z.string().length(3),
  metadata,
  last_payment_error: z.object({ code: z.string().nullish(), decline_code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

export const checkoutSession = z.object({
  id: z.string().min(1),
  payment_status: z.string(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  client_reference_id: z.string().nullish(),
  metadata,
  amount_total: z.number().int().nonnegative().nullish(),
  currency: z.string().length(3).nullish(),
});

export const refund = z.object({
  id: z.string().min(1),
  amount: z.number().int().nonnegative(),
  currency: z.string().length(3),
  status: z.string().nullish(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  charge: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
});

export const charge = z.object({
  id: z.string().min(1),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string().length(3),
  refunds: z.object({ data: z.array(refund) }).nullish(),
});

export const subscription = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  customer: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  cancel_at_period_end: z.boolean().nullish(),
  current_period_end: z.number().int().nullish(),
  items: z
    .object({
      data: z.array(
        z.object({
          current_period_end: z.number().int().nullish(),
          price: z.object({ id: z.string() }).nullish(),
          plan: z.object({ id: z.string() }).nullish(),
        }),
      ),
    })
    .nullish(),
});

export const invoice = z.object({
  id: z.string().min(1),
  subscription: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  parent: z
    .object({ subscription_details: z.object({ subscription: z.union([z.string(), z.object({ id: z.string() })]) }).nullish() })
    .nullish(),
});

/** Stripe fields that may be an id or an expanded object. */
export function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : value.id;
}
