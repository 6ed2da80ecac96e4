import { once } from 'node:events';
import express from 'express';
import { DEFAULT_WEBHOOK_BODY_LIMIT_BYTES } from '../src/config/config.js';

/**
 * Ingest baseline: an Express 5 server with the receiver's route shape and
 * body parser that reads the raw body and returns 200 `{}`, doing nothing
 * else. Started as its own process by the benchmark; port from PORT.
 */
const port = Number(process.env['PORT']);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('noop-express: PORT must be set to a TCP port\n');
  process.exit(1);
}

const app = express();
app.disable('x-powered-by');
const rawBody = express.raw({ type: () => true, limit: DEFAULT_WEBHOOK_BODY_LIMIT_BYTES, inflate: false });
app.post('/webhooks/stripe/:connectionId', rawBody, (_req, res) => {
  res.status(200).json({});
});
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});

const server = app.listen(port, '127.0.0.1');
await once(server, 'listening');
server.keepAliveTimeout = 65_000;
process.stdout.write(`noop-express listening on ${port}\n`);
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
