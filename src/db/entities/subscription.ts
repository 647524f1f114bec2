import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, currencyCheck, timestamptz, updatedAtColumn } from './columns';
import { Coupon } from './coupon';
import { Customer } from './customer';
import { Plan } from './plan';
import type { SubscriptionState } from '../../workflows/lifecycle/state';

export const SUBSCRIPTION_STATUSES = [
  'incomplete',
  'trialing',
  'active',
  'past_due',
  'unpaid',
  'paused',
  'canceled',
  'ended',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * Read model of one subscription; its workflow is the source of truth and writes here. `version` makes a stale
 * projection write fail instead of silently overwriting a newer one.
 */
export class Subscription {
  [OptionalProps]?:
    | 'id'
    | 'quantity'
    | 'timeZone'
    | 'currentPeriodIndex'
    | 'cancelAtPeriodEnd'
    | 'version'
    | 'createdAt'
    | 'updatedAt';
  id: string = newId('sub');
  customer!: Customer;
  plan!: Plan;
  status!: SubscriptionStatus;
  quantity: number = 1;
  currency!: string;
  billingAnchor!: Date;
  timeZone: string = 'UTC';
  currentPeriodIndex: number = 0;
  currentPeriodStart!: Date;
  currentPeriodEnd!: Date;
  trialEnd?: Date | null;
  cancelAtPeriodEnd: boolean = false;
  canceledAt?: Date | null;
  cancellationReason?: string | null;
  endedAt?: Date | null;
  pausedAt?: Date | null;
  pauseAtPeriodEnd?: boolean | null;
  resumeAt?: Date | null;
  coupon?: Coupon | null;
  /** The workflow's committed state (schema version 2 runs); the API answers a subscription from it. */
  state?: SubscriptionState | null;
  /** Set while a timed moment waits for an operator (`state.attention`). */
  attentionCode?: string | null;
  /** The next moment money moves by itself: a charge, a retry, a trial's end, an expiry. */
  nextActionAt?: Date | null;
  workflowId!: string;
  version!: number;
  createdAt: Date = new Date();
  updatedAt: Date = new Date();
}

export const SubscriptionSchema = new EntitySchema<Subscription>({
  class: Subscription,
  tableName: 'subscriptions',
  indexes: [
    { properties: ['customer'], name: 'subscriptions_customer_id_index' },
    { properties: ['status', 'currentPeriodEnd'], name: 'subscriptions_status_period_end_index' },
    { properties: ['status', 'nextActionAt'], name: 'subscriptions_status_next_action_index' },
  ],
  checks: [
    { name: 'subscriptions_quantity_check', expression: 'quantity >= 0' },
    { name: 'subscriptions_currency_check', expression: currencyCheck('currency') },
    { name: 'subscriptions_period_check', expression: 'current_period_end > current_period_start' },
    { name: 'subscriptions_period_index_check', expression: 'current_period_index >= 0' },
    { name: 'subscriptions_paused_check', expression: `(status = 'paused') = (paused_at is not null)` },
  ],
  properties: {
    id: { type: 'text', primary: true },
    customer: { kind: 'm:1', entity: () => Customer },
    plan: { kind: 'm:1', entity: () => Plan },
    status: { type: 'text', enum: true, items: [...SUBSCRIPTION_STATUSES] },
    quantity: { type: 'integer', default: 1 },
    currency: { type: 'text' },
    billingAnchor: timestamptz,
    timeZone: { type: 'text', default: 'UTC' },
    currentPeriodIndex: { type: 'integer', default: 0 },
    currentPeriodStart: timestamptz,
    currentPeriodEnd: timestamptz,
    trialEnd: { ...timestamptz, nullable: true },
    cancelAtPeriodEnd: { type: 'boolean', default: false },
    canceledAt: { ...timestamptz, nullable: true },
    cancellationReason: { type: 'text', nullable: true },
    endedAt: { ...timestamptz, nullable: true },
    pausedAt: { ...timestamptz, nullable: true },
    pauseAtPeriodEnd: { type: 'boolean', nullable: true },
    resumeAt: { ...timestamptz, nullable: true },
    coupon: { kind: 'm:1', entity: () => Coupon, nullable: true },
    state: { type: 'json', nullable: true },
    attentionCode: { type: 'text', nullable: true },
    nextActionAt: { ...timestamptz, nullable: true },
    workflowId: { type: 'text', unique: 'subscriptions_workflow_id_unique' },
    version: { type: 'integer', version: true },
    createdAt: createdAtColumn,
    updatedAt: updatedAtColumn,
  },
});
