import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Coupon as DomainCoupon, assertRedeemable, discountAppliesToPeriod } from '../../domain/coupons';
import { money } from '../../domain/money';
import { Coupon, Discount } from '../entities';
import { sqlRows } from '../direct-read';
import { StoreError } from './errors';

/** What the pure coupon rules read of a catalogue row. */
type CouponFields = Pick<
  Coupon,
  | 'id'
  | 'name'
  | 'percentOffBp'
  | 'amountOff'
  | 'amountOffCurrency'
  | 'duration'
  | 'durationPeriods'
  | 'redeemBy'
  | 'maxRedemptions'
  | 'timesRedeemed'
  | 'appliesToPlanIds'
>;

/** The catalogue row as the pure coupon rules see it. */
export function toDomainCoupon(coupon: CouponFields): DomainCoupon {
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

interface DiscountRow {
  start_period_index: number;
  id: string;
  name: string;
  percent_off_bp: number | null;
  /** bigint, as text. */
  amount_off: string | null;
  amount_off_currency: string | null;
  duration: Coupon['duration'];
  duration_periods: number | null;
  /** ISO 8601 in UTC, to the millisecond. */
  redeem_by: string | null;
  max_redemptions: number | null;
  times_redeemed: number;
  applies_to_plan_ids: string[] | null;
}

/**
 * The coupons whose discounts apply to a subscription's period, oldest redemption first, read in one plain statement:
 * every invoice and every committed transition reads them. Flush first what the same transaction changed of them
 * through the ORM.
 */
export async function couponsForPeriod(
  em: EntityManager,
  subscriptionId: string,
  periodIndex: number,
): Promise<DomainCoupon[]> {
  const rows = await sqlRows<DiscountRow>(
    em,
    `select d.start_period_index, c.id, c.name, c.percent_off_bp, c.amount_off::text as amount_off,
       c.amount_off_currency, c.duration, c.duration_periods, c.max_redemptions, c.times_redeemed,
       c.applies_to_plan_ids,
       to_char(c.redeem_by at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as redeem_by
     from discounts d join coupons c on c.id = d.coupon_id
     where d.subscription_id = $1 and (d.end_period_index is null or d.end_period_index > $2)
     order by d.created_at, d.id`,
    [subscriptionId, periodIndex],
  );
  return rows
    .map((row) => ({
      startPeriodIndex: row.start_period_index,
      coupon: toDomainCoupon({
        id: row.id,
        name: row.name,
        percentOffBp: row.percent_off_bp,
        amountOff: row.amount_off === null ? null : Number(row.amount_off),
        amountOffCurrency: row.amount_off_currency,
        duration: row.duration,
        durationPeriods: row.duration_periods,
        redeemBy: row.redeem_by === null ? null : new Date(row.redeem_by),
        maxRedemptions: row.max_redemptions,
        timesRedeemed: row.times_redeemed,
        appliesToPlanIds: row.applies_to_plan_ids,
      }),
    }))
    .filter(({ coupon, startPeriodIndex }) =>
      discountAppliesToPeriod(coupon.duration, startPeriodIndex, periodIndex),
    )
    .map(({ coupon }) => coupon);
}
