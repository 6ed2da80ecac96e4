import client from 'prom-client';

/** Buckets for request and job latencies, in seconds: 1 ms to 60 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Prometheus metrics of one process. Each process (web, worker) has its own registry and endpoint. */
export class Metrics {
  readonly registry = new client.Registry();

  readonly webhooksReceived = new client.Counter({
    name: 'eventhex_webhooks_received_total',
    help: 'Webhook deliveries received, by provider, event type and outcome (new, duplicate, ignored, rejected, unavailable).',
    labelNames: ['provider', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly ingestLatency = new client.Histogram({
    name: 'eventhex_webhook_ingest_seconds',
    help: 'Time from request to response on the webhook routes, in seconds.',
    labelNames: ['provider'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly jobs = new client.Counter({
    name: 'eventhex_jobs_total',
    help: 'Webhook jobs finished, by queue and outcome (completed, failed, retried).',
    labelNames: ['queue', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly processingLatency = new client.Histogram({
    name: 'eventhex_webhook_processing_seconds',
    help: 'Time from receipt of a webhook to its effect committed, in seconds.',
    labelNames: ['queue'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor(processName: string) {
    this.registry.setDefaultLabels({ process: processName });
    client.collectDefaultMetrics({ register: this.registry });
  }

  /** Adds a gauge whose value is read at scrape time. */
  gauge(options: { name: string; help: string; labelNames: readonly string[]; collect: (gauge: client.Gauge) => Promise<void> }): void {
    new client.Gauge({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await options.collect(this);
      },
    });
  }
}
