import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn } from './columns';
import { Coupon } from './coupon';
import { Subscription } from './subscription';

/**
 * A coupon redeemed by a subscription, for the periods `[startPeriodIndex, endPeriodIndex)`; an open end is
 * `forever`. One redemption of a coupon per subscription.
 */
export class Discount {
  [OptionalProps]?: 'id' | 'createdAt';
  id: string = newId('di');
  coupon!: Coupon;
  subscription!: Subscription;
  startPeriodIndex!: number;
  endPeriodIndex?: number | null;
  createdAt: Date = new Date();
}

export const DiscountSchema = new EntitySchema<Discount>({
  class: Discount,
  tableName: 'discounts',
  uniques: [{ properties: ['subscription', 'coupon'], name: 'discounts_subscription_coupon_unique' }],
  checks: [
    {
      name: 'discounts_periods_check',
      expression:
        'start_period_index >= 0 and (end_period_index is null or end_period_index > start_period_index)',
    },
  ],
  properties: {
    id: { type: 'text', primary: true },
    coupon: { kind: 'm:1', entity: () => Coupon },
    subscription: { kind: 'm:1', entity: () => Subscription },
    startPeriodIndex: { type: 'integer' },
    endPeriodIndex: { type: 'integer', nullable: true },
    createdAt: createdAtColumn,
  },
});
