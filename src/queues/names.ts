/** BullMQ queue names: one per concern, plural nouns. */
export const QUEUE_NAMES = ['payments', 'refunds', 'subscriptions', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Job names, each naming what the job does. */
export const JOB_NAMES = {
  applyWebhookEvent: 'apply-webhook-event',
  sweepReceived: 'sweep-received-webhook-events',
  pruneWebhookPayloads: 'prune-webhook-payloads',
  checkWebhookHealth: 'check-webhook-health',
} as const;

/** Data of every webhook job: only the webhook log id; the worker reloads the stored event. */
export interface WebhookJobData {
  webhookEventId: number;
  /** How many times the event has waited so far for its payment (refunds) or registration (payments). */
  waits?: number;
}
