import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash, randomBytes } from 'node:crypto';
import { PortalEntry } from '../entities';

const hash = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Why a way into the portal was refused; the page the customer sees says which. */
export type EntryRefusal = 'used' | 'expired' | 'unknown';

export type Redeemed =
  | { ok: true; customerId: string; returnUrl: string | null }
  | { ok: false; reason: EntryRefusal; customerId?: string };

/** The single-use `url` of a portal session; only the hash of its token is stored. */
export async function createSessionUrlEntry(
  em: EntityManager,
  input: { customerId: string; returnUrl: string | null; expiresAt: Date },
): Promise<{ token: string; entry: PortalEntry }> {
  const token = randomBytes(32).toString('base64url');
  const entry = em.create(PortalEntry, {
    kind: 'session_url',
    hash: hash(`session_url:${token}`),
    customerId: input.customerId,
    returnUrl: input.returnUrl,
    expiresAt: input.expiresAt,
  });
  await em.persistAndFlush(entry);
  return { token, entry };
}

/** Uses a session url once: one conditional update, so two tabs racing with the same url get one session. */
export async function redeemSessionUrl(
  em: EntityManager,
  token: string,
  now: Date = new Date(),
): Promise<Redeemed> {
  const key = hash(`session_url:${token}`);
  const used = await em.getConnection().execute<{ customer_id: string; return_url: string | null }[]>(
    `update portal_entries set used_at = ? where hash = ? and used_at is null and expires_at > ?
     returning customer_id, return_url`,
    [now, key, now],
  );
  const row = used[0];
  if (row) return { ok: true, customerId: row.customer_id, returnUrl: row.return_url };
  const entry = await em.findOne(PortalEntry, { hash: key });
  if (!entry) return { ok: false, reason: 'unknown' };
  return { ok: false, reason: entry.usedAt ? 'used' : 'expired', customerId: entry.customerId };
}

/**
 * Records the use of a signed email link (already verified, not expired). The link id's hash is unique, so the
 * second use of the same link finds it taken and is refused.
 */
export async function redeemEmailLink(
  em: EntityManager,
  link: { linkId: string; customerId: string; expiresAt: Date },
  now: Date = new Date(),
): Promise<Redeemed> {
  const inserted = await em
    .createQueryBuilder(PortalEntry)
    .insert({
      kind: 'email_link',
      hash: hash(`email_link:${link.customerId}:${link.linkId}`),
      customerId: link.customerId,
      expiresAt: link.expiresAt,
      usedAt: now,
    })
    .onConflict(['hash'])
    .ignore()
    .execute('run');
  return inserted.affectedRows > 0
    ? { ok: true, customerId: link.customerId, returnUrl: null }
    : { ok: false, reason: 'used' };
}

/** Whether a signed email link was used already (the landing page says so before asking to continue). */
export async function emailLinkUsed(
  em: EntityManager,
  link: { linkId: string; customerId: string },
): Promise<boolean> {
  const key = hash(`email_link:${link.customerId}:${link.linkId}`);
  return (await em.count(PortalEntry, { hash: key })) > 0;
}
