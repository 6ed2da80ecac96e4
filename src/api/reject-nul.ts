import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error.js';

/** Nesting depth searched; request bodies of this API are shallow. */
const MAX_DEPTH = 20;

function containsNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item, depth + 1));
}

/**
 * Rejects JSON bodies with U+0000 in any string with 400. Postgres text
 * cannot store NUL, so such a value would otherwise fail as a 500.
 */
export function rejectNulCharacters(req: Request, _res: Response, next: NextFunction): void {
  if (containsNul(req.body, 0) || containsNul(req.query, 0)) {
    throw new ApiError(400, 'invalid_request', 'Strings must not contain the NUL character (\\u0000)');
  }
  next();
}
