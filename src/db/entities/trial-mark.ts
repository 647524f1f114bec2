import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, currencyCheck, timestamptz } from './columns';

export const TRIAL_MARK_KINDS = ['started', 'converted'] as const;
export type TrialMarkKind = (typeof TRIAL_MARK_KINDS)[number];

/**
 * Trial starts and conversions, counted beside the MRR ledger (a trial moves no MRR until it converts, and its
 * conversion is also the subscription's `new` movement). A subscription starts and converts a trial at most once,
 * which the unique (subscription, kind) holds whatever event reports it.
 */
export class TrialMark {
  [OptionalProps]?: 'id' | 'recordedAt';
  id: string = newId('trm');
  subscriptionId!: string;
  customerId!: string;
  kind!: TrialMarkKind;
  currency!: string;
  occurredAt!: Date;
  eventKey!: string;
  testMode!: boolean;
  recordedAt: Date = new Date();
}

export const TrialMarkSchema = new EntitySchema<TrialMark>({
  class: TrialMark,
  tableName: 'trial_marks',
  uniques: [{ properties: ['subscriptionId', 'kind'], name: 'trial_marks_subscription_kind_unique' }],
  indexes: [{ properties: ['occurredAt'], name: 'trial_marks_occurred_at_index' }],
  checks: [{ name: 'trial_marks_currency_check', expression: currencyCheck('currency') }],
  properties: {
    id: { type: 'text', primary: true },
    subscriptionId: { type: 'text' },
    customerId: { type: 'text' },
    kind: { type: 'text', enum: true, items: [...TRIAL_MARK_KINDS] },
    currency: { type: 'text' },
    occurredAt: timestamptz,
    eventKey: { type: 'text' },
    testMode: { type: 'boolean' },
    recordedAt: createdAtColumn,
  },
});
