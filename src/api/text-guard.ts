import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { isUtf8 } from 'node:buffer';
import { unescape } from 'node:querystring';
import { isStorableText, unstorableTextAt, type TextPath } from '../domain/storable-text';
import { AppError, BODY_NOT_UTF8 } from './errors';
import type { RouteRegistry } from './route';

/**
 * Text that PostgreSQL cannot store (U+0000, an unpaired UTF-16 surrogate) and URL parts that are not valid
 * percent-encoded UTF-8 are refused as a class, for every route at once, before the routes run: a 400
 * `invalid_text` naming the field as zod names fields (`address.line1`, `events.0.client_id`, `amounts.EUR` for a
 * map key). Without it, such text reached PostgreSQL and came back as a 503 `database_unavailable` that no retry
 * could cure, or was stored altered (a lone surrogate becomes U+FFFD on its way to UTF-8).
 */

type Problem = 'unstorable' | 'undecodable';

export function invalidTextError(param: string | undefined, problem: Problem = 'unstorable'): AppError {
  const where = param === undefined ? 'The request' : JSON.stringify(param);
  const what =
    problem === 'unstorable'
      ? 'contains U+0000 (NUL) or an unpaired UTF-16 surrogate, which cannot be stored'
      : 'is not valid percent-encoded UTF-8';
  return new AppError('invalid_request_error', 'invalid_text', `${where} ${what}`, param);
}

const joined = (path: TextPath) => path.map(String).join('.');

/** Throws `invalid_text` naming the first string of `value` that cannot be stored, if any. */
export function assertStorableText(value: unknown): void {
  const path = unstorableTextAt(value);
  if (path) throw invalidTextError(joined(path));
}

function decoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component);
  } catch {
    return undefined;
  }
}

/** The first path parameter that does not decode, or decodes to text that cannot be stored. */
export function badPathParam(
  rawParams: Record<string, string>,
): { name: string; problem: Problem } | undefined {
  for (const [name, raw] of Object.entries(rawParams)) {
    const value = decoded(raw);
    if (value === undefined) return { name, problem: 'undecodable' };
    if (!isStorableText(value)) return { name, problem: 'unstorable' };
  }
  return undefined;
}

/**
 * The first query parameter whose key or value is not valid percent-encoded UTF-8. Express's query parser would
 * read it as U+FFFD and search, or store, text the client never sent.
 */
function undecodableQueryParam(url: string): string | undefined {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const [key = '', ...rest] = pair.replace(/\+/g, ' ').split('=');
    // Named as far as it can be read: the key decoded with replacement characters where it does not decode.
    if (decoded(key) === undefined || decoded(rest.join('=')) === undefined) return unescape(key);
  }
  return undefined;
}

/** The path of a request relative to `/v1`, as the route registry declares paths. */
export function apiPath(req: Request): string {
  const path = (req.originalUrl.split('?')[0] ?? '').replace(/^\/v1(?=\/|$)/i, '');
  return path === '' ? '/' : path;
}

/**
 * Checks the path parameters, query and JSON body of a request for a declared route; requests for undeclared
 * routes go on to their 404. Mounted after authentication and before the Idempotency-Key claim, so a refused
 * request writes nothing at all.
 */
export function refuseUnstorableText(registry: RouteRegistry): RequestHandler {
  return (req, _res, next) => {
    const route = registry.match(req.method, apiPath(req));
    if (!route) {
      next();
      return;
    }
    const param = badPathParam(route.rawParams);
    if (param) throw invalidTextError(param.name, param.problem);
    const query = undecodableQueryParam(req.originalUrl);
    if (query !== undefined) throw invalidTextError(query, 'undecodable');
    assertStorableText(req.query);
    if (req.body !== undefined) assertStorableText(req.body);
    next();
  };
}

/**
 * Express's router fails on a path parameter that does not decode (`%ED%A0%80` is a lone surrogate's bytes, not
 * UTF-8) with a bare URIError, which would end as a 500. Routes mounted before `refuseUnstorableText` (the gateway
 * webhook) meet it there; this turns it into the same `invalid_text`, naming the parameter.
 */
export function undecodablePathError(registry: RouteRegistry): ErrorRequestHandler {
  return (error: unknown, req, _res, next) => {
    if (!(error instanceof URIError) || (error as { status?: unknown }).status !== 400) {
      next(error);
      return;
    }
    const route = registry.match(req.method, apiPath(req));
    next(invalidTextError(route && badPathParam(route.rawParams)?.name, 'undecodable'));
  };
}

/**
 * `verify` of the JSON parser: a body that is not UTF-8 (which RFC 8259 requires of JSON) would be decoded with
 * U+FFFD in place of its bad bytes, and stored altered. The parser wraps what this throws; the error handler
 * recognises it by its `type`.
 */
export function requireUtf8Body(_req: unknown, _res: unknown, body: Buffer, encoding: string): void {
  if (['utf-8', 'utf8'].includes(encoding.toLowerCase()) && !isUtf8(body))
    throw Object.assign(new Error('The request body is not valid UTF-8'), { type: BODY_NOT_UTF8 });
}
