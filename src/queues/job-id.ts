import { createHash } from 'node:crypto';
import type { Provider } from '../domain/events.js';

/**
 * Derives the BullMQ job id of a webhook event from its provider, source and
 * provider event id. BullMQ custom ids must not contain `:` (its key
 * separator) or be all digits (those collide with its own ids). Razorpay event
 * ids can be any string, so the readable part is sanitised and a hash suffix
 * keeps different ids distinct.
 */
export function webhookJobId(provider: Provider, sourceKey: string, providerEventId: string): string {
  const readable = providerEventId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
  const digest = createHash('sha256').update(`${provider}\n${sourceKey}\n${providerEventId}`).digest('hex').slice(0, 16);
  return `${provider}-${readable}-${digest}`;
}
