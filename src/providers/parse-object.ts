import type { z } from 'zod';
import { MalformedEventError } from '../errors.js';

/** Parses a provider object with a schema, naming the first missing or invalid field in the error. */
export function parseObject<T extends z.ZodType>(schema: T, value: unknown, objectName: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || '(root)';
  throw new MalformedEventError(`${objectName}: field ${field} ${issue?.message ?? 'is invalid'}`);
}
