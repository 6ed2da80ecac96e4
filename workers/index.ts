import { loadConfig } from '../src/config/config.js';
import { runEntryPoint } from '../src/entry-point.js';
import { startMetricsServer } from '../src/metrics/metrics-server.js';
import { Metrics } from '../src/metrics/registry.js';
import { createServices } from '../src/services.js';
import { onShutdownSignal } from '../src/shutdown.js';
import { startWorkerPool } from './worker-pool.js';

/** The `worker` process: every BullMQ worker and the job schedulers. */
await runEntryPoint('worker', async (logger) => {
  const config = loadConfig();
  const services = createServices(config, 'worker', logger);
  const metrics = new Metrics('worker');
  const metricsServer = config.metrics.workerPort === undefined ? undefined : await startMetricsServer(metrics, config.metrics.workerPort);
  const pool = await startWorkerPool(config, services, logger, metrics);
  onShutdownSignal(logger, config.shutdownTimeoutMs, async () => {
    // Active jobs get most of the budget; what is left closes connections.
    await Promise.race([pool.close(), new Promise((resolve) => setTimeout(resolve, config.shutdownTimeoutMs - 3000))]);
    await pool.close(true);
    metricsServer?.close();
    await services.close();
  });
});
