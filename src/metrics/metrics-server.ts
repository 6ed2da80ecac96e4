import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { Metrics } from './registry.js';

/** Serves `GET /metrics` without authentication on its own port, for scrapers on a private network. */
export async function startMetricsServer(metrics: Metrics, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${error.message}\n`),
    );
  });
  server.listen(port);
  await once(server, 'listening');
  return server;
}
