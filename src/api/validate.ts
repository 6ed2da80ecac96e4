import type { z } from 'zod';
import { ApiError } from './api-error.js';

/** Parses a request body or query with a schema; the 400 names the first invalid field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' = 'body'): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.');
  const message = field ? `Invalid ${where} field ${field}: ${issue?.message}` : `Invalid ${where}: ${issue?.message ?? 'unknown reason'}`;
  throw new ApiError(400, 'invalid_request', message);
}
