import { once } from 'node:events';
import { loadConfig } from './config/config.js';
import { pendingMigrations } from './db/migrate.js';
import { runEntryPoint } from './entry-point.js';
import { createApp, createWebMetrics } from './http/app.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { createServices } from './services.js';
import { onShutdownSignal } from './shutdown.js';

/** The `web` process: webhook receiver and API. */
await runEntryPoint('web', async (logger) => {
  const config = loadConfig();
  const services = createServices(config, 'web', logger);
  const pending = await pendingMigrations(services.db);
  if (pending.length > 0) throw new Error(`Database has ${pending.length} pending migrations (${pending.join(', ')}); run \`npm run migrate\` first`);

  const metrics = createWebMetrics(services);
  const metricsServer = config.metrics.port === undefined ? undefined : await startMetricsServer(metrics, config.metrics.port);
  const server = createApp(config, services, logger, metrics).listen(config.port);
  await once(server, 'listening');
  // Keep-alive longer than common load balancers' idle timeout (60 s), so they close first.
  server.keepAliveTimeout = 65_000;
  logger.info('web listening', { port: config.port, metricsPort: config.metrics.port, publicBaseUrl: config.publicBaseUrl, queueBackend: services.backend.kind });

  onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
    // Stop accepting connections and finish in-flight requests, then close pools.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    metricsServer?.close();
    await services.close();
  });
});
