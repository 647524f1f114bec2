import type { EntityManager } from '@mikro-orm/core';
import { createHash, randomBytes } from 'node:crypto';
import { ApiKey } from './entities';

/** How a key is stored and looked up: the secret itself is never kept. */
export const apiKeyHash = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const hash = apiKeyHash;

/** Creates a secret key; only its hash is stored, so the returned secret is the one chance to see it. */
export async function createApiKey(
  em: EntityManager,
  name: string,
): Promise<{ secret: string; key: ApiKey }> {
  const secret = `sk_${randomBytes(24).toString('base64url')}`;
  const key = em.create(ApiKey, { name, prefix: secret.slice(0, 7), hash: hash(secret) });
  await em.persistAndFlush(key);
  return { secret, key };
}

/** A portal session: a key that acts only on one customer's own resources, for a short time. */
export async function createPortalSession(
  em: EntityManager,
  customerId: string,
  ttlMs: number,
): Promise<{ token: string; key: ApiKey }> {
  const token = `ps_${randomBytes(24).toString('base64url')}`;
  const key = em.create(ApiKey, {
    name: `portal:${customerId}`,
    prefix: token.slice(0, 7),
    hash: hash(token),
    customerId,
    expiresAt: new Date(Date.now() + ttlMs),
  });
  await em.persistAndFlush(key);
  return { token, key };
}

export async function findActiveApiKey(em: EntityManager, secret: string): Promise<ApiKey | null> {
  return findActiveApiKeyByHash(em, hash(secret));
}

/** The key with this hash unless it is revoked or expired. */
export async function findActiveApiKeyByHash(em: EntityManager, keyHash: string): Promise<ApiKey | null> {
  const key = await em.findOne(ApiKey, { hash: keyHash, revokedAt: null });
  if (key?.expiresAt && key.expiresAt.getTime() <= Date.now()) return null;
  return key;
}

/** Secret keys (not portal sessions), newest first, a page at a time after the key `startingAfter`. */
export async function listSecretApiKeys(
  em: EntityManager,
  page: { limit: number; startingAfter?: string },
): Promise<{ keys: ApiKey[]; nextCursor: string | null }> {
  const cursor = page.startingAfter
    ? await em.findOne(ApiKey, { id: page.startingAfter, customerId: null })
    : null;
  const keys = await em.find(
    ApiKey,
    {
      customerId: null,
      ...(cursor
        ? {
            $or: [
              { createdAt: { $lt: cursor.createdAt } },
              { createdAt: cursor.createdAt, id: { $lt: cursor.id } },
            ],
          }
        : {}),
    },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: page.limit + 1 },
  );
  const shown = keys.slice(0, page.limit);
  return { keys: shown, nextCursor: keys.length > page.limit ? (shown[shown.length - 1]?.id ?? null) : null };
}

/**
 * Revokes a portal session (`portal`: by its token's hash) or a secret key (`secret`: by its hash or id); a key of
 * the other kind is left alone. Idempotent: an earlier revocation keeps its time. Null when there is no such key.
 */
export async function revokeApiKey(
  em: EntityManager,
  kind: 'portal' | 'secret',
  which: { hash: string } | { id: string },
): Promise<ApiKey | null> {
  const key = await em.findOne(ApiKey, { ...which, customerId: kind === 'portal' ? { $ne: null } : null });
  if (!key) return null;
  key.revokedAt ??= new Date();
  await em.flush();
  return key;
}
