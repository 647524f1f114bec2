import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { IntervalUnit } from '../../domain/calendar';
import type { PricingScheme } from '../../domain/pricing';
import { newId } from '../ids';
import { createdAtColumn } from './columns';
import { Meter } from './meter';
import { Product } from './product';

export const INTERVAL_UNITS = ['day', 'week', 'month', 'year'] as const satisfies readonly IntervalUnit[];
export const TAX_BEHAVIORS = ['exclusive', 'inclusive'] as const;
export type TaxBehavior = (typeof TAX_BEHAVIORS)[number];
export const PRICING_MODELS = [
  'flat',
  'per_unit',
  'package',
  'graduated',
  'volume',
] as const satisfies readonly PricingScheme['model'][];

/**
 * The plan fixes the billing rhythm and the pricing model; the amounts live in one `PlanPrice` per currency,
 * because a tier table in EUR cents is not the same table in JPY.
 */
export class Plan {
  [OptionalProps]?: 'id' | 'trialDays' | 'taxBehavior' | 'active' | 'createdAt';
  id: string = newId('plan');
  product!: Product;
  name!: string;
  intervalUnit!: IntervalUnit;
  intervalCount!: number;
  pricingModel!: PricingScheme['model'];
  /** Set for plans billed in arrears on usage. */
  meter?: Meter | null;
  trialDays: number = 0;
  taxBehavior: TaxBehavior = 'exclusive';
  active: boolean = true;
  createdAt: Date = new Date();
}

export const PlanSchema = new EntitySchema<Plan>({
  class: Plan,
  tableName: 'plans',
  checks: [
    { name: 'plans_interval_count_check', expression: 'interval_count >= 1' },
    { name: 'plans_trial_days_check', expression: 'trial_days >= 0' },
  ],
  properties: {
    id: { type: 'text', primary: true },
    product: { kind: 'm:1', entity: () => Product, index: 'plans_product_id_index' },
    name: { type: 'text' },
    intervalUnit: { type: 'text', enum: true, items: [...INTERVAL_UNITS] },
    intervalCount: { type: 'integer' },
    pricingModel: { type: 'text', enum: true, items: [...PRICING_MODELS] },
    meter: { kind: 'm:1', entity: () => Meter, nullable: true, deleteRule: 'restrict' },
    trialDays: { type: 'integer', default: 0 },
    taxBehavior: { type: 'text', enum: true, items: [...TAX_BEHAVIORS], default: 'exclusive' },
    active: { type: 'boolean', default: true },
    createdAt: createdAtColumn,
  },
});
