import express, { type Express } from 'express';
import { adminRouter } from '../admin-ui/router.js';
import { apiErrorHandler, apiRouter } from '../api/router.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { createWebhookRouter } from '../receiver/receiver.js';
import type { Services } from '../services.js';
import { sendError } from './error-body.js';
import { healthRouter } from './health.js';
import { metricsHandler } from '../metrics/metrics-route.js';
import { Metrics } from '../metrics/registry.js';
import { registerWebGauges } from '../metrics/web-gauges.js';

/** Creates the web process's metrics with its scrape-time gauges. */
export function createWebMetrics(services: Pick<Services, 'db' | 'producer'>): Metrics {
  const metrics = new Metrics('web');
  registerWebGauges(metrics, services);
  return metrics;
}

/** Builds the web app: webhook receiver first (raw bodies), then the API, then health. */
export function createApp(
  config: Config,
  services: Pick<Services, 'db' | 'box' | 'producer' | 'backend'>,
  logger: Logger,
  metrics: Metrics = createWebMetrics(services),
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);

  app.use('/webhooks', createWebhookRouter({ config, db: services.db, box: services.box, producer: services.producer, logger, metrics }));
  app.use(
    '/api/v1',
    apiRouter({
      db: services.db,
      box: services.box,
      publicBaseUrl: config.publicBaseUrl,
      logger,
      producer: services.producer,
      enqueueTimeoutMs: config.receiver.enqueueTimeoutMs,
      stripe: config.stripe.endpoints,
    }),
  );
  app.use(healthRouter({ db: services.db, backend: services.backend }));
  app.get('/metrics', metricsHandler(metrics, config.metrics.token));
  // The operator UI's body parsers (its forms, Bull Board's JSON) apply under /admin only.
  app.use('/admin', adminRouter({ config, db: services.db, producer: services.producer, backend: services.backend, logger }));
  app.use((req, res) => sendError(res, 404, 'not_found', `No route ${req.method} ${req.path}`));
  app.use(apiErrorHandler(logger));
  return app;
}
