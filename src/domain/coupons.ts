import { compareInstants } from './calendar';
import { DomainError } from './errors';
import { assertSameCurrency, money, multiplyByRatio, negate, type Money } from './money';

/** Percent off is held in basis points (1 % = 100 bp) so that 12.5 % needs no float. */
export type CouponDiscount = { type: 'percent'; basisPoints: number } | { type: 'amount'; amount: Money };

export type CouponDuration = { type: 'once' } | { type: 'repeating'; periods: number } | { type: 'forever' };

export type Coupon = {
  id: string;
  name: string;
  discount: CouponDiscount;
  duration: CouponDuration;
  /** Last instant at which the coupon can be redeemed; discounts already granted keep running. */
  redeemBy?: string;
  maxRedemptions?: number;
  timesRedeemed: number;
  /** When present, only subscriptions to these plans may redeem the coupon. */
  appliesToPlanIds?: string[];
};

export type DiscountLine = { kind: 'discount'; couponId: string; description: string; amount: Money };

export function percentOff(integerPercent: number): CouponDiscount {
  if (!Number.isSafeInteger(integerPercent)) {
    throw new DomainError(
      'invalid_coupon',
      `Percent must be an integer, got ${integerPercent}; use basis points`,
    );
  }
  return { type: 'percent', basisPoints: integerPercent * 100 };
}

export function assertCoupon(coupon: Coupon): void {
  const { discount, duration } = coupon;
  if (discount.type === 'percent') {
    if (
      !Number.isSafeInteger(discount.basisPoints) ||
      discount.basisPoints < 1 ||
      discount.basisPoints > 10_000
    ) {
      throw new DomainError('invalid_coupon', 'Percent off must be between 1 and 10000 basis points');
    }
  } else {
    money(discount.amount.amount, discount.amount.currency);
    if (discount.amount.amount <= 0) throw new DomainError('invalid_coupon', 'Amount off must be positive');
  }
  if (duration.type === 'repeating' && (!Number.isSafeInteger(duration.periods) || duration.periods < 1)) {
    throw new DomainError('invalid_coupon', 'A repeating coupon needs a positive number of periods');
  }
  if (
    coupon.maxRedemptions !== undefined &&
    (!Number.isSafeInteger(coupon.maxRedemptions) || coupon.maxRedemptions < 1)
  ) {
    throw new DomainError('invalid_coupon', 'Max redemptions must be a positive integer');
  }
}

export type RedemptionContext = { at: string; planId: string; currency: string };

/** Throws the precise reason a coupon cannot be redeemed now for this subscription. */
export function assertRedeemable(coupon: Coupon, context: RedemptionContext): void {
  assertCoupon(coupon);
  if (coupon.redeemBy !== undefined && compareInstants(context.at, coupon.redeemBy) > 0) {
    throw new DomainError('coupon_expired', `Coupon ${coupon.id} could be redeemed until ${coupon.redeemBy}`);
  }
  if (coupon.maxRedemptions !== undefined && coupon.timesRedeemed >= coupon.maxRedemptions) {
    throw new DomainError('coupon_redemption_limit_reached', `Coupon ${coupon.id} has been fully redeemed`);
  }
  if (coupon.appliesToPlanIds !== undefined && !coupon.appliesToPlanIds.includes(context.planId)) {
    throw new DomainError(
      'coupon_not_applicable',
      `Coupon ${coupon.id} does not apply to plan ${context.planId}`,
    );
  }
  if (coupon.discount.type === 'amount' && coupon.discount.amount.currency !== context.currency) {
    throw new DomainError(
      'coupon_not_applicable',
      `Coupon ${coupon.id} is in ${coupon.discount.amount.currency}`,
    );
  }
}

/**
 * Whether a coupon redeemed at `redeemedAtPeriodIndex` still discounts period `periodIndex`:
 * once covers that period, repeating N covers N consecutive periods from it, forever covers all after.
 */
export function discountAppliesToPeriod(
  duration: CouponDuration,
  redeemedAtPeriodIndex: number,
  periodIndex: number,
): boolean {
  if (periodIndex < redeemedAtPeriodIndex) return false;
  switch (duration.type) {
    case 'once':
      return periodIndex === redeemedAtPeriodIndex;
    case 'repeating':
      return periodIndex < redeemedAtPeriodIndex + duration.periods;
    case 'forever':
      return true;
  }
}

/**
 * The negative line a coupon adds to an invoice whose discountable subtotal is given. A discount never
 * exceeds that subtotal: an amount-off larger than the invoice is capped, and the rest is not carried over.
 */
export function discountLine(coupon: Coupon, discountable: Money): DiscountLine | null {
  assertCoupon(coupon);
  if (discountable.amount <= 0) return null;
  let off: Money;
  if (coupon.discount.type === 'percent') {
    off = multiplyByRatio(discountable, coupon.discount.basisPoints, 10_000);
  } else {
    assertSameCurrency(coupon.discount.amount, discountable);
    off = money(Math.min(coupon.discount.amount.amount, discountable.amount), discountable.currency);
  }
  if (off.amount === 0) return null;
  return { kind: 'discount', couponId: coupon.id, description: coupon.name, amount: negate(off) };
}
