import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { sendError } from '../http/error-body.js';
import type { Metrics } from './registry.js';

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * Serves `/metrics` on the main port when `METRICS_TOKEN` is set, behind that
 * bearer token. Without it the route is disabled and metrics are served only
 * on `METRICS_PORT`, which should not be reachable from outside.
 */
export function metricsHandler(metrics: Metrics, token: string | undefined) {
  return async (req: Request, res: Response): Promise<void> => {
    if (token === undefined) return sendError(res, 404, 'not_found', 'Metrics are disabled on this port; set METRICS_TOKEN, or METRICS_PORT for a separate port');
    if (!tokenMatches(req.headers.authorization, token)) return sendError(res, 401, 'unauthorized', 'Missing or invalid metrics token');
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
