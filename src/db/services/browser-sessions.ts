import type { EntityManager } from '@mikro-orm/core';
import { createHash, randomBytes } from 'node:crypto';
import { BrowserSession, type BrowserSessionSurface } from '../entities';

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

export type NewBrowserSession =
  | { surface: 'portal'; customerId: string; returnUrl: string | null; ttlMs: number }
  | { surface: 'console'; userId: string; ttlMs: number };

/** Signs a browser in: the returned token goes into its cookie, only its hash into the row. */
export async function createBrowserSession(
  em: EntityManager,
  input: NewBrowserSession,
  now: Date = new Date(),
): Promise<{ token: string; session: BrowserSession }> {
  const token = randomBytes(32).toString('base64url');
  const session = em.create(BrowserSession, {
    surface: input.surface,
    tokenHash: hash(token),
    csrfToken: randomBytes(32).toString('base64url'),
    customerId: input.surface === 'portal' ? input.customerId : null,
    user: input.surface === 'console' ? input.userId : null,
    returnUrl: input.surface === 'portal' ? input.returnUrl : null,
    expiresAt: new Date(now.getTime() + input.ttlMs),
  });
  await em.persistAndFlush(session);
  return { token, session };
}

/** The live session a cookie names on that surface, with its console user; expired and revoked ones are none. */
export async function findBrowserSession(
  em: EntityManager,
  surface: BrowserSessionSurface,
  token: string,
  now: Date = new Date(),
): Promise<BrowserSession | null> {
  const session = await em.findOne(
    BrowserSession,
    { tokenHash: hash(token), surface, revokedAt: null, expiresAt: { $gt: now } },
    { populate: ['user'] },
  );
  if (session?.user?.disabledAt) return null;
  return session;
}

export async function revokeBrowserSession(em: EntityManager, id: string): Promise<void> {
  await em.nativeUpdate(BrowserSession, { id, revokedAt: null }, { revokedAt: new Date() });
}
