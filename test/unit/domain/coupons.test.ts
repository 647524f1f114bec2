import {
  assertRedeemable,
  discountAppliesToPeriod,
  discountLine,
  DomainError,
  money,
  percentOff,
  type Coupon,
} from '../../../src/domain';

const base: Coupon = {
  id: 'WELCOME',
  name: 'Welcome 25 %',
  discount: percentOff(25),
  duration: { type: 'once' },
  timesRedeemed: 0,
};

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'other';
  }
  return undefined;
}

describe('coupon discounts', () => {
  it('25 % off 19.99 EUR is −5.00 (4.9975 rounded half away from zero)', () => {
    expect(discountLine(base, money(1999, 'EUR'))).toEqual({
      kind: 'discount',
      couponId: 'WELCOME',
      description: 'Welcome 25 %',
      amount: money(-500, 'EUR'),
    });
  });

  it('12.5 % is expressed as 1250 basis points: 12.5 % of 10.00 EUR = −1.25', () => {
    const coupon: Coupon = { ...base, discount: { type: 'percent', basisPoints: 1250 } };
    expect(discountLine(coupon, money(1000, 'EUR'))?.amount).toEqual(money(-125, 'EUR'));
  });

  it('amount off is capped at the subtotal and never makes it negative', () => {
    const coupon: Coupon = { ...base, discount: { type: 'amount', amount: money(5000, 'EUR') } };
    expect(discountLine(coupon, money(1999, 'EUR'))?.amount).toEqual(money(-1999, 'EUR'));
    expect(discountLine(coupon, money(0, 'EUR'))).toBeNull();
    expect(discountLine(coupon, money(-100, 'EUR'))).toBeNull();
  });

  it('amount off in another currency throws currency_mismatch', () => {
    const coupon: Coupon = { ...base, discount: { type: 'amount', amount: money(500, 'USD') } };
    expect(code(() => discountLine(coupon, money(1000, 'EUR')))).toBe('currency_mismatch');
  });

  it('rejects float percentages and out-of-range basis points as invalid_coupon', () => {
    expect(code(() => percentOff(12.5))).toBe('invalid_coupon');
    expect(
      code(() =>
        discountLine({ ...base, discount: { type: 'percent', basisPoints: 10_001 } }, money(1, 'EUR')),
      ),
    ).toBe('invalid_coupon');
  });
});

describe('coupon duration', () => {
  it('once covers only the redemption period', () => {
    expect([2, 3].map((p) => discountAppliesToPeriod({ type: 'once' }, 2, p))).toEqual([true, false]);
  });

  it('repeating 3 covers periods 2, 3, 4 when redeemed in period 2, not 1 or 5', () => {
    const repeating = { type: 'repeating', periods: 3 } as const;
    expect([1, 2, 3, 4, 5].map((p) => discountAppliesToPeriod(repeating, 2, p))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('forever covers every later period', () => {
    expect(discountAppliesToPeriod({ type: 'forever' }, 0, 1000)).toBe(true);
  });
});

describe('coupon eligibility', () => {
  const context = { at: '2024-06-01T00:00:00Z', planId: 'pro', currency: 'EUR' };

  it('accepts a coupon before its redeem-by instant and rejects it after with coupon_expired', () => {
    expect(() => assertRedeemable({ ...base, redeemBy: '2024-06-01T00:00:00Z' }, context)).not.toThrow();
    expect(code(() => assertRedeemable({ ...base, redeemBy: '2024-05-31T23:59:59Z' }, context))).toBe(
      'coupon_expired',
    );
  });

  it('rejects a fully redeemed coupon with coupon_redemption_limit_reached', () => {
    expect(() => assertRedeemable({ ...base, maxRedemptions: 10, timesRedeemed: 9 }, context)).not.toThrow();
    expect(code(() => assertRedeemable({ ...base, maxRedemptions: 10, timesRedeemed: 10 }, context))).toBe(
      'coupon_redemption_limit_reached',
    );
  });

  it('rejects other plans and other currencies with coupon_not_applicable', () => {
    expect(code(() => assertRedeemable({ ...base, appliesToPlanIds: ['basic'] }, context))).toBe(
      'coupon_not_applicable',
    );
    const usd: Coupon = { ...base, discount: { type: 'amount', amount: money(500, 'USD') } };
    expect(code(() => assertRedeemable(usd, context))).toBe('coupon_not_applicable');
  });
});
