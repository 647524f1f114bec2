import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { PricingScheme } from '../../domain/pricing';
import { bigintNumber, createdAtColumn, currencyCheck } from './columns';
import { Plan } from './plan';

/** A plan's amounts in one currency (minor units inside `scheme`); one row per plan and currency. */
export class PlanPrice {
  [OptionalProps]?: 'id' | 'setupFee' | 'createdAt';
  id!: string;
  plan!: Plan;
  currency!: string;
  scheme!: PricingScheme;
  setupFee: number = 0;
  createdAt: Date = new Date();
}

export const PlanPriceSchema = new EntitySchema<PlanPrice>({
  class: PlanPrice,
  tableName: 'plan_prices',
  uniques: [{ properties: ['plan', 'currency'], name: 'plan_prices_plan_currency_unique' }],
  checks: [
    { name: 'plan_prices_currency_check', expression: currencyCheck('currency') },
    { name: 'plan_prices_setup_fee_check', expression: 'setup_fee >= 0' },
  ],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    plan: { kind: 'm:1', entity: () => Plan, deleteRule: 'cascade' },
    currency: { type: 'text' },
    scheme: { type: 'json' },
    setupFee: { type: bigintNumber(), default: 0 },
    createdAt: createdAtColumn,
  },
});
