import type { RequestHandler } from 'express';
import type { Orm } from '../db/orm.config';
import { findActiveApiKey } from '../db/api-keys';
import { AppError } from './errors';

/** `Authorization: Bearer <secret key>`; keys are looked up by their hash. */
export function requireApiKey(orm: Orm): RequestHandler {
  return async (req, _res, next) => {
    const header = req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new AppError(
        'authentication_error',
        'missing_api_key',
        'Provide an API key as "Authorization: Bearer <key>"',
      );
    }
    const key = await findActiveApiKey(orm.em, match[1]);
    if (!key)
      throw new AppError('authentication_error', 'invalid_api_key', 'The API key is invalid or revoked');
    next();
  };
}
