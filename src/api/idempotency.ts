import type { RequestHandler } from 'express';
import { createHash } from 'node:crypto';
import type { Orm } from '../db/orm.config';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
} from '../db/services/idempotency';
import type { Logger } from '../logging';
import { AppError } from './errors';

const KEY = /^[\x21-\x7e]{1,255}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyOptions {
  /** How long a stored response is replayed. */
  ttlMs?: number;
  /** How long a second request waits for the first one to finish before answering 409. */
  waitMs?: number;
  /** When an unfinished claim counts as abandoned (its process died) and may be run again. */
  abandonAfterMs?: number;
}

/**
 * Key order does not make two bodies different requests. Written with an explicit stack, not recursion: a body
 * within the size limit can nest fifty thousand levels deep, and recursing would overflow the call stack (a 500)
 * before the route's schema got to reject the body with a 400. The text is the same the recursive form produced,
 * so stored hashes still match.
 */
function canonical(root: unknown): string {
  const out: string[] = [];
  const pending: ({ text: string } | { value: unknown })[] = [{ value: root }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if ('text' in next) {
      out.push(next.text);
      continue;
    }
    const { value } = next;
    if (Array.isArray(value)) {
      out.push('[');
      pending.push({ text: ']' });
      for (let index = value.length - 1; index >= 0; index -= 1) {
        pending.push({ value: value[index] });
        if (index > 0) pending.push({ text: ',' });
      }
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
      out.push('{');
      pending.push({ text: '}' });
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, item] = entries[index] as [string, unknown];
        pending.push({ value: item }, { text: `${JSON.stringify(key)}:` });
        if (index > 0) pending.push({ text: ',' });
      }
    } else out.push(JSON.stringify(value) ?? 'undefined');
  }
  return out.join('');
}

/** What makes two requests "the same request": method, URL and body (key order aside). */
export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${canonical(body ?? null)}`)
    .digest('hex');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `Idempotency-Key` on POST requests, scoped per API key (by the key's hash, never the secret). The first request
 * inserts an "in progress" row and runs; its successful response is stored for 24 h and replayed to every retry
 * with the same key and body (`Idempotent-Replayed: true`). The same key with a different method, path or body is
 * a 409 `idempotency_key_reused`. A retry that arrives while the first is still running waits for it briefly,
 * then gets 409 `idempotency_request_in_progress`. A request that ends in an error stores nothing and frees the
 * key, so the client can fix the request or retry after an outage with the same key (as Stripe does for
 * validation errors).
 */
export function idempotency(orm: Orm, logger: Logger, options: IdempotencyOptions = {}): RequestHandler {
  const ttlMs = options.ttlMs ?? DAY_MS;
  const waitMs = options.waitMs ?? 5000;
  const abandonAfterMs = options.abandonAfterMs ?? 60_000;

  return async (req, res, next) => {
    const key = req.header('idempotency-key');
    if (req.method !== 'POST' || key === undefined) return next();
    if (!KEY.test(key)) {
      throw new AppError(
        'invalid_request_error',
        'invalid_idempotency_key',
        'Idempotency-Key must be 1 to 255 printable ASCII characters',
        'Idempotency-Key',
      );
    }
    // The key's own hash (as stored in api_keys), so header spelling does not split one key's scope.
    const secret = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1] ?? '';
    const scope = createHash('sha256').update(secret).digest('hex');
    const path = req.originalUrl.split('?')[0] ?? req.originalUrl;
    const hash = requestHash(req.method, req.originalUrl, req.body);
    const request = { scope, key, method: req.method, path, hash, ttlMs, abandonAfterMs };

    const deadline = Date.now() + waitMs;
    let claim = await claimIdempotencyKey(orm.em.fork(), request);
    while (claim.kind === 'in_progress' && Date.now() < deadline) {
      await sleep(50);
      claim = await claimIdempotencyKey(orm.em.fork(), request);
    }
    switch (claim.kind) {
      case 'mismatch':
        throw new AppError(
          'conflict',
          'idempotency_key_reused',
          'This Idempotency-Key was already used with a different request; use a new key',
          'Idempotency-Key',
        );
      case 'in_progress':
        throw new AppError(
          'conflict',
          'idempotency_request_in_progress',
          'A request with this Idempotency-Key is still in progress; retry later',
          'Idempotency-Key',
        );
      case 'replay':
        res.setHeader('Idempotent-Replayed', 'true');
        res.status(claim.status).json(claim.body);
        return;
      case 'claimed':
        break;
    }

    const recordId = claim.id;
    const send = res.json.bind(res);
    // The outcome is recorded before the response leaves, so a retry can never overtake it and run twice.
    res.json = (body: unknown) => {
      const status = res.statusCode;
      const settle =
        status < 400
          ? completeIdempotencyKey(orm.em.fork(), recordId, status, body)
          : releaseIdempotencyKey(orm.em.fork(), recordId);
      settle.then(
        () => send(body),
        (error: unknown) => {
          (req.log ?? logger).error({ err: error }, 'could not record idempotent response');
          send(body);
        },
      );
      return res;
    };
    next();
  };
}
