import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { bigintNumber, createdAtColumn, currencyCheck, timestamptz } from './columns';

export const COUPON_DURATIONS = ['once', 'repeating', 'forever'] as const;
export type CouponDurationType = (typeof COUPON_DURATIONS)[number];

/** Percent off in basis points or an amount off in one currency; exactly one of them, enforced in SQL. */
export class Coupon {
  [OptionalProps]?: 'id' | 'timesRedeemed' | 'createdAt';
  id: string = newId('co');
  code!: string;
  name!: string;
  percentOffBp?: number | null;
  amountOff?: number | null;
  amountOffCurrency?: string | null;
  duration!: CouponDurationType;
  durationPeriods?: number | null;
  redeemBy?: Date | null;
  maxRedemptions?: number | null;
  timesRedeemed: number = 0;
  appliesToPlanIds?: string[] | null;
  createdAt: Date = new Date();
}

export const CouponSchema = new EntitySchema<Coupon>({
  class: Coupon,
  tableName: 'coupons',
  checks: [
    {
      name: 'coupons_discount_check',
      expression:
        '(percent_off_bp is not null and amount_off is null and amount_off_currency is null) or ' +
        '(percent_off_bp is null and amount_off is not null and amount_off_currency is not null)',
    },
    {
      name: 'coupons_percent_check',
      expression: 'percent_off_bp is null or percent_off_bp >= 1 and percent_off_bp <= 10000',
    },
    {
      name: 'coupons_amount_check',
      expression: `amount_off is null or (amount_off > 0 and ${currencyCheck('amount_off_currency')})`,
    },
    {
      name: 'coupons_duration_periods_check',
      expression: `(duration = 'repeating') = (duration_periods is not null) and (duration_periods is null or duration_periods >= 1)`,
    },
    {
      name: 'coupons_redemptions_check',
      expression: 'times_redeemed >= 0 and (max_redemptions is null or times_redeemed <= max_redemptions)',
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    code: { type: 'text', unique: 'coupons_code_unique' },
    name: { type: 'text' },
    percentOffBp: { type: 'integer', nullable: true },
    amountOff: { type: bigintNumber(), nullable: true },
    amountOffCurrency: { type: 'text', nullable: true },
    duration: { type: 'text', enum: true, items: [...COUPON_DURATIONS] },
    durationPeriods: { type: 'integer', nullable: true },
    redeemBy: { ...timestamptz, nullable: true },
    maxRedemptions: { type: 'integer', nullable: true },
    timesRedeemed: { type: 'integer', default: 0 },
    appliesToPlanIds: { type: 'json', nullable: true },
    createdAt: createdAtColumn,
  },
});
