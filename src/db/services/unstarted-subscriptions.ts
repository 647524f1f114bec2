import type { EntityManager } from '@mikro-orm/postgresql';

/** The highest event sequence a subscription's workflow appended; 0 when it never committed a transition. */
export async function lastEventSequence(em: EntityManager, subscriptionId: string): Promise<number> {
  const [row] = await em.execute<{ seq: number | null }[]>(
    `select max(split_part(key, ':', 2)::int) as seq from events
     where subscription_id = ? and key ~ '^sub_[a-f0-9]+:[0-9]+$'`,
    [subscriptionId],
  );
  return Number(row?.seq ?? 0);
}

/**
 * Undoes what a create wrote before its workflow failed to start: the read model's row and the coupon it redeemed
 * (the coupon's count given back). Only a row whose workflow never committed a transition goes: once one did, the
 * subscription has a history, and only an operator decides about it. True when a row was removed.
 */
export async function removeUnstartedSubscription(
  em: EntityManager,
  subscriptionId: string,
): Promise<boolean> {
  return em.transactional(async (tx) => {
    const [row] = await tx.execute<{ id: string }[]>(`select id from subscriptions where id = ? for update`, [
      subscriptionId,
    ]);
    if (!row || (await lastEventSequence(tx, subscriptionId)) > 0) return false;
    await tx.execute(
      `update coupons set times_redeemed = times_redeemed - 1
       where id in (select coupon_id from discounts where subscription_id = ?)`,
      [subscriptionId],
    );
    await tx.execute(`delete from discounts where subscription_id = ?`, [subscriptionId]);
    await tx.execute(`delete from subscriptions where id = ?`, [subscriptionId]);
    return true;
  });
}
