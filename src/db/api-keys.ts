import type { EntityManager } from '@mikro-orm/core';
import { createHash, randomBytes } from 'node:crypto';
import { ApiKey } from './entities';

const hash = (secret: string): string => createHash('sha256').update(secret).digest('hex');

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

export function findActiveApiKey(em: EntityManager, secret: string): Promise<ApiKey | null> {
  return em.findOne(ApiKey, { hash: hash(secret), revokedAt: null });
}
