import { z } from 'zod';
import {
  amountSchema,
  booleanQuerySchema,
  currencySchema,
  listQuerySchema,
  listResponseSchema,
  prefixedId,
  timestampSchema,
} from './common';
import { MAX_PERIOD_AMOUNT, MAX_QUANTITY, MAX_SETUP_FEE, MAX_USAGE_QUANTITY } from '../../domain/limits';

export const INTERVALS = ['day', 'week', 'month', 'year'] as const;
export const PRICING_MODELS = ['flat', 'per_unit', 'package', 'graduated', 'volume'] as const;
export const TAX_BEHAVIORS = ['exclusive', 'inclusive'] as const;

const MAX_CURRENCIES = 20;

export const tierSchema = z.strictObject({
  up_to: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .nullable()
    .describe('Inclusive upper bound of the tier; null for the last, open-ended tier'),
  unit_amount: amountSchema,
  flat_amount: amountSchema.optional(),
});

const perCurrency = <T extends z.ZodType>(value: T) =>
  z
    .record(currencySchema, value)
    .refine((record) => Object.keys(record).length >= 1, 'must name at least one currency')
    .refine(
      (record) => Object.keys(record).length <= MAX_CURRENCIES,
      `must name at most ${MAX_CURRENCIES} currencies`,
    );

const USES_AMOUNTS: ReadonlySet<string> = new Set(['flat', 'per_unit', 'package']);

export const createPlanSchema = z
  .strictObject({
    product_id: prefixedId('prod', 'a product'),
    name: z.string().min(1).max(200),
    interval: z.enum(INTERVALS),
    interval_count: z.number().int().min(1).max(365).default(1),
    pricing_model: z
      .enum(PRICING_MODELS)
      .default('per_unit')
      .describe(
        '`per_unit` (amount × quantity, the default), `flat` (amount regardless of quantity), `package` ' +
          '(amount per started package of `units_per_package`), `graduated` or `volume` (per-currency `tiers`)',
      ),
    amounts: perCurrency(amountSchema)
      .optional()
      .describe(
        'For flat, per_unit and package pricing: the amount per currency, e.g. {"EUR": 1900}. The price may ' +
          `bill at most ${MAX_PERIOD_AMOUNT} for one period at quantities up to ${MAX_QUANTITY} ` +
          `(${MAX_USAGE_QUANTITY} for a metered plan): a per-unit amount up to ` +
          `${MAX_PERIOD_AMOUNT / MAX_QUANTITY} (${MAX_PERIOD_AMOUNT / MAX_USAGE_QUANTITY} metered); ` +
          'above, 400 `amount_out_of_range`',
      ),
    tiers: perCurrency(z.array(tierSchema).min(1).max(50))
      .optional()
      .describe(
        'For graduated and volume pricing: the tiers per currency, ascending, the last open-ended. As with ' +
          '`amounts`, the price may bill at most ' +
          `${MAX_PERIOD_AMOUNT} for one period at the quantity bound, else 400 ` +
          '`amount_out_of_range`',
      ),
    units_per_package: z.number().int().min(1).max(1_000_000_000).optional(),
    setup_fees: perCurrency(amountSchema)
      .optional()
      .describe(
        `One-off fee charged with the first invoice, per currency; at most ${MAX_SETUP_FEE}, else 400 ` +
          '`amount_out_of_range`',
      ),
    trial_days: z.number().int().min(0).max(730).default(0),
    tax_behavior: z.enum(TAX_BEHAVIORS).default('exclusive'),
    meter_id: prefixedId('mtr', 'a meter').optional().describe('Bills the plan in arrears on this meter'),
    active: z.boolean().default(true),
  })
  .superRefine((plan, ctx) => {
    const usesAmounts = USES_AMOUNTS.has(plan.pricing_model);
    if (usesAmounts && !plan.amounts) {
      ctx.addIssue({
        code: 'custom',
        path: ['amounts'],
        message: `required for ${plan.pricing_model} pricing`,
      });
    }
    if (usesAmounts && plan.tiers) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers'],
        message: `not allowed with ${plan.pricing_model} pricing`,
      });
    }
    if (!usesAmounts && !plan.tiers) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers'],
        message: `required for ${plan.pricing_model} pricing`,
      });
    }
    if (!usesAmounts && plan.amounts) {
      ctx.addIssue({
        code: 'custom',
        path: ['amounts'],
        message: `not allowed with ${plan.pricing_model} pricing`,
      });
    }
    if ((plan.pricing_model === 'package') !== (plan.units_per_package !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['units_per_package'],
        message: 'required with package pricing and only there',
      });
    }
    for (const [currency, tiers] of Object.entries(plan.tiers ?? {})) {
      let previous = 0;
      tiers.forEach((tier, index) => {
        const last = index === tiers.length - 1;
        if (last !== (tier.up_to === null)) {
          ctx.addIssue({
            code: 'custom',
            path: ['tiers', currency, index, 'up_to'],
            message: 'only the last tier, and it alone, must be open-ended (null)',
          });
        } else if (tier.up_to !== null) {
          if (tier.up_to <= previous) {
            ctx.addIssue({
              code: 'custom',
              path: ['tiers', currency, index, 'up_to'],
              message: 'tier bounds must increase',
            });
          }
          previous = tier.up_to;
        }
      });
    }
    const priced = new Set(Object.keys(plan.amounts ?? plan.tiers ?? {}));
    for (const currency of Object.keys(plan.setup_fees ?? {})) {
      if (!priced.has(currency)) {
        ctx.addIssue({
          code: 'custom',
          path: ['setup_fees', currency],
          message: 'a setup fee needs a price in the same currency',
        });
      }
    }
  });

export type CreatePlanInput = z.infer<typeof createPlanSchema>;

/** Amounts are immutable once a plan exists (subscriptions bill against them); create a new plan instead. */
export const updatePlanSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  active: z.boolean().optional().describe('Inactive plans keep their subscriptions but accept no new ones'),
});

export type UpdatePlanInput = z.infer<typeof updatePlanSchema>;

export const listPlansQuerySchema = listQuerySchema.extend({
  product_id: prefixedId('prod', 'a product').optional(),
  active: booleanQuerySchema.optional(),
});

const tierResponseSchema = z.strictObject({
  up_to: z.number().int().nullable(),
  unit_amount: z.number().int(),
  flat_amount: z.number().int().optional(),
});

export const planResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('plan'),
  product_id: z.string(),
  name: z.string(),
  interval: z.enum(INTERVALS),
  interval_count: z.number().int(),
  pricing_model: z.enum(PRICING_MODELS),
  currencies: z.array(z.string()),
  amounts: z.record(z.string(), z.number().int()).nullable(),
  tiers: z.record(z.string(), z.array(tierResponseSchema)).nullable(),
  units_per_package: z.number().int().nullable(),
  setup_fees: z.record(z.string(), z.number().int()),
  trial_days: z.number().int(),
  tax_behavior: z.enum(TAX_BEHAVIORS),
  meter_id: z.string().nullable(),
  active: z.boolean(),
  created_at: timestampSchema,
});

export type PlanResponse = z.infer<typeof planResponseSchema>;

export const planListSchema = listResponseSchema(planResponseSchema);
