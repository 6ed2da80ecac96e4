import type { z } from 'zod';
import { ApiError } from './api-error.js';

/** Parses a request body or query with a schema; the 400 names the first invalid field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' = 'body'): z.infer<T> {
  if (where === 'query' && typeof value === 'object' && value !== null) {
    // `?a=1&a=2` parses to an array, and which value wins would be a guess.
    const repeated = Object.entries(value).find(([, parameter]) => Array.isArray(parameter));
    if (repeated !== undefined) throw new ApiError(400, 'invalid_request', `Invalid query field ${repeated[0]}: given more than once`);
  }
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // An unknown key is reported with an empty path and the key in `keys`.
  const unknownKeys = issue?.code === 'unrecognized_keys' ? issue.keys : [];
  if (unknownKeys.length > 0) throw new ApiError(400, 'invalid_request', `Unknown ${where} field ${unknownKeys.join(', ')}`);
  const field = issue?.path.map(String).join('.');
  const message = field ? `Invalid ${where} field ${field}: ${issue?.message}` : `Invalid ${where}: ${issue?.message ?? 'unknown reason'}`;
  throw new ApiError(400, 'invalid_request', message);
}
