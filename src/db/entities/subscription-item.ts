import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { bigintNumber, createdAtColumn, updatedAtColumn } from './columns';
import { Plan } from './plan';
import { Subscription } from './subscription';

/** Read model of one item of a subscription (a plan with its quantity), projected with every committed transition. */
export class SubscriptionItemRow {
  [OptionalProps]?: 'createdAt' | 'updatedAt';
  /** `si_…`, the same id the workflow's state and the invoice lines carry. */
  id!: string;
  subscription!: Subscription;
  plan!: Plan;
  quantity!: number;
  /** One whole period of the item at its quantity, in minor units; 0 for a metered item. */
  amount!: number;
  metered!: boolean;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const SubscriptionItemSchema = new EntitySchema<SubscriptionItemRow>({
  class: SubscriptionItemRow,
  tableName: 'subscription_items',
  indexes: [
    { properties: ['subscription'], name: 'subscription_items_subscription_id_index' },
    { properties: ['plan'], name: 'subscription_items_plan_id_index' },
  ],
  checks: [
    { name: 'subscription_items_quantity_check', expression: 'quantity >= 0' },
    { name: 'subscription_items_amount_check', expression: 'amount >= 0' },
  ],
  properties: {
    id: { type: 'text', primary: true },
    subscription: { kind: 'm:1', entity: () => Subscription, deleteRule: 'cascade' },
    plan: { kind: 'm:1', entity: () => Plan },
    quantity: { type: 'integer' },
    amount: { type: bigintNumber() },
    metered: { type: 'boolean' },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
