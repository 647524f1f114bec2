import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { IdempotencyRecord } from '../entities';

export type IdempotencyRequest = {
  /** Whose key it is (one API key's keys never collide with another's). */
  scope: string;
  key: string;
  method: string;
  path: string;
  hash: string;
  ttlMs: number;
  /** An unfinished claim older than this is taken to be abandoned (its process died) and may be taken over. */
  abandonAfterMs: number;
};

export type IdempotencyClaim =
  | { kind: 'claimed'; id: string }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'in_progress' }
  | { kind: 'mismatch' };

/**
 * Insert-first: the unique `(scope, key)` row is the lock. Whoever inserts it runs the request; everyone else
 * sees the stored response, a request still in progress, or a key reused for a different request.
 */
export async function claimIdempotencyKey(
  em: EntityManager,
  request: IdempotencyRequest,
): Promise<IdempotencyClaim> {
  const now = new Date();
  await em.nativeDelete(IdempotencyRecord, {
    scope: request.scope,
    key: request.key,
    expiresAt: { $lte: now },
  });
  const id = randomUUID();
  const inserted = await em
    .createQueryBuilder(IdempotencyRecord)
    .insert({
      id,
      scope: request.scope,
      key: request.key,
      requestMethod: request.method,
      requestPath: request.path,
      requestHash: request.hash,
      responseStatus: null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + request.ttlMs),
    })
    .onConflict(['scope', 'key'])
    .ignore()
    .execute('run');
  if (inserted.affectedRows === 1) return { kind: 'claimed', id };

  const existing = await em.findOne(
    IdempotencyRecord,
    { scope: request.scope, key: request.key },
    { refresh: true },
  );
  if (!existing) return { kind: 'in_progress' };
  if (
    existing.requestHash !== request.hash ||
    existing.requestMethod !== request.method ||
    existing.requestPath !== request.path
  ) {
    return { kind: 'mismatch' };
  }
  if (existing.responseStatus !== null && existing.responseStatus !== undefined) {
    return { kind: 'replay', status: existing.responseStatus, body: existing.responseBody };
  }
  const abandonedBefore = new Date(now.getTime() - request.abandonAfterMs);
  if (existing.createdAt < abandonedBefore) {
    const taken = await em.nativeUpdate(
      IdempotencyRecord,
      { id: existing.id, responseStatus: null, createdAt: { $lt: abandonedBefore } },
      { createdAt: now },
    );
    if (taken === 1) return { kind: 'claimed', id: existing.id };
  }
  return { kind: 'in_progress' };
}

export async function completeIdempotencyKey(
  em: EntityManager,
  id: string,
  status: number,
  body: unknown,
): Promise<void> {
  await em.nativeUpdate(IdempotencyRecord, { id }, { responseStatus: status, responseBody: body });
}

/** Frees the key so the client can retry with it (used when the request failed without an effect). */
export async function releaseIdempotencyKey(em: EntityManager, id: string): Promise<void> {
  await em.nativeDelete(IdempotencyRecord, { id, responseStatus: null });
}
