import type { NextFunction, Request, Response } from 'express';
import { hashApiKey } from '../crypto/api-keys.js';
import type { Db } from '../db/knex.js';
import { ApiError } from './api-error.js';

/** Reads the organisation that `authenticate` attached to the request. */
export function organisationOf(res: Response): string {
  const organisationId = res.locals['organisationId'];
  if (typeof organisationId !== 'string') throw new ApiError(401, 'unauthorized', 'Missing or invalid API key');
  return organisationId;
}

/** Authenticates `Authorization: Bearer <api key>` against stored key hashes. */
export function authenticate(db: Db) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S{1,200})$/i.exec(header);
    if (match?.[1] === undefined) throw new ApiError(401, 'unauthorized', 'Missing or invalid Authorization header; expected "Bearer <api key>"');
    const key = await db('api_keys')
      .where({ key_hash: hashApiKey(match[1]) })
      .whereNull('revoked_at')
      .first<{ id: string; organisation_id: string } | undefined>('id', 'organisation_id');
    if (key === undefined) throw new ApiError(401, 'unauthorized', 'Invalid or revoked API key');
    res.locals['organisationId'] = key.organisation_id;
    res.locals['apiKeyId'] = key.id;
    next();
  };
}
