import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Coupon as DomainCoupon, assertRedeemable } from '../../domain/coupons';
import { money } from '../../domain/money';
import { Coupon, Discount } from '../entities';
import { StoreError } from './errors';

/** The catalogue row as the pure coupon rules see it. */
export function toDomainCoupon(coupon: Coupon): DomainCoupon {
  return {
    id: coupon.id,
    name: coupon.name,
    discount:
      coupon.percentOffBp != null
        ? { type: 'percent', basisPoints: coupon.percentOffBp }
        : { type: 'amount', amount: money(coupon.amountOff ?? 0, coupon.amountOffCurrency ?? 'EUR') },
    duration:
      coupon.duration === 'repeating'
        ? { type: 'repeating', periods: coupon.durationPeriods ?? 1 }
        : { type: coupon.duration },
    ...(coupon.redeemBy ? { redeemBy: coupon.redeemBy.toISOString() } : {}),
    ...(coupon.maxRedemptions != null ? { maxRedemptions: coupon.maxRedemptions } : {}),
    timesRedeemed: coupon.timesRedeemed,
    ...(coupon.appliesToPlanIds ? { appliesToPlanIds: coupon.appliesToPlanIds } : {}),
  };
}

/**
 * Redeems a coupon for a subscription from a given period on. The coupon row is locked so that concurrent
 * redemptions cannot exceed its limit; redeeming the same coupon for the same subscription again is a no-op.
 */
export async function redeemCoupon(
  em: EntityManager,
  input: {
    subscriptionId: string;
    couponId: string;
    planId: string;
    currency: string;
    at: string;
    startPeriodIndex: number;
  },
): Promise<{ discount: Discount; created: boolean }> {
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(Discount, {
      subscription: input.subscriptionId,
      coupon: input.couponId,
    });
    if (existing) return { discount: existing, created: false };
    const coupon = await tx.findOne(Coupon, input.couponId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    if (!coupon) throw new StoreError('not_found', `Coupon ${input.couponId} does not exist`);
    assertRedeemable(toDomainCoupon(coupon), {
      at: input.at,
      planId: input.planId,
      currency: input.currency,
    });
    coupon.timesRedeemed += 1;
    const discount = tx.create(Discount, {
      coupon,
      subscription: input.subscriptionId,
      startPeriodIndex: input.startPeriodIndex,
    });
    return { discount, created: true };
  });
}
