import type { Db } from '../db/knex.js';
import { QUEUE_NAMES } from '../queues/names.js';
import type { WebhookProducer } from '../queues/producer.js';
import type { Metrics } from './registry.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * Registers the gauges the web process reads at scrape time. They are queue
 * depths from BullMQ and, per webhook source, the seconds since the last
 * delivery and the failures of the last hour. Alerts on the last two fire
 * when a provider goes quiet or starts failing.
 */
export function registerWebGauges(metrics: Metrics, deps: { db: Db; producer: WebhookProducer }): void {
  metrics.gauge({
    name: 'eventhex_queue_jobs',
    help: 'Jobs in each BullMQ queue by state.',
    labelNames: ['queue', 'state'],
    collect: async (gauge) => {
      for (const name of QUEUE_NAMES) {
        const counts = await deps.producer.queue(name).getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) gauge.set({ queue: name, state }, counts[state] ?? 0);
      }
    },
  });

  metrics.gauge({
    name: 'eventhex_webhook_source_seconds_since_last_delivery',
    help: 'Seconds since the last verified delivery per webhook source (connection or Razorpay event).',
    labelNames: ['source'],
    collect: async (gauge) => {
      const rows = await deps.db('webhook_events')
        .whereNot({ status: 'rejected' })
        .groupBy('source_key')
        .select<{ source_key: string; seconds: number }[]>('source_key', deps.db.raw('extract(epoch FROM now() - max(received_at))::float8 AS seconds'));
      for (const row of rows) gauge.set({ source: row.source_key }, row.seconds);
    },
  });

  metrics.gauge({
    name: 'eventhex_webhook_source_failures_last_hour',
    help: 'Processing failures and signature rejections in the last hour per webhook source.',
    labelNames: ['source', 'kind'],
    collect: async (gauge) => {
      const rows = await deps.db('webhook_events')
        .where('received_at', '>', deps.db.raw("now() - interval '1 hour'"))
        .whereIn('status', ['failed', 'rejected', 'processed'])
        .groupBy('source_key', 'status')
        .select<{ source_key: string; status: string; count: number }[]>('source_key', 'status', deps.db.raw('count(*)::int AS count'));
      for (const row of rows) gauge.set({ source: row.source_key, kind: row.status }, row.count);
    },
  });
}
