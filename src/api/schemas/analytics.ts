import { z } from 'zod';
import { MRR_MOVEMENT_KINDS } from '../../domain/mrr';
import { REPORT_INTERVALS } from '../../domain/report-periods';
import {
  booleanQuerySchema,
  currencySchema,
  listQuerySchema,
  listResponseSchema,
  prefixedId,
  timestampSchema,
} from './common';

const dateSchema = (what: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a calendar date YYYY-MM-DD')
    .describe(`${what}: a calendar date YYYY-MM-DD in the seller's time zone, inclusive`);

const rateSchema = (what: string) =>
  z
    .string()
    .nullable()
    .describe(`${what}, a decimal string with 4 places ("0.0523" is 5.23 %); null when its denominator is 0`);

const moneySchema = (what: string) =>
  z.number().int().describe(`${what}, in minor units of the row's currency`);

const includeTestMode = booleanQuerySchema
  .optional()
  .describe('Include test-clock (test mode) subscriptions and invoices; default false');

const inReportingCurrency = booleanQuerySchema
  .optional()
  .describe(
    'One series in the reporting currency of the analytics settings: currencies with a rate converted, the ' +
      'others left out and named in `unconverted_currencies`; default false (one series per currency)',
  );

const marginSchema = z.coerce
  .number()
  .int()
  .min(0)
  .max(10_000)
  .describe('Gross margin for LTV in basis points (10000 = 100 %)');

export const revenueReportQuerySchema = z.strictObject({
  from: dateSchema('First day of the report'),
  to: dateSchema('Last day of the report'),
  interval: z
    .enum(REPORT_INTERVALS)
    .optional()
    .describe('Bucket size: whole days, ISO weeks (Monday first) or calendar months; default month'),
  currency: currencySchema.optional().describe('Only this currency'),
  include_test_mode: includeTestMode,
  in_reporting_currency: inReportingCurrency,
  gross_margin_basis_points: marginSchema
    .optional()
    .describe('Overrides the settings\u2019 gross margin for LTV, in basis points (10000 = 100 %)'),
});

export type RevenueReportQuery = z.output<typeof revenueReportQuerySchema>;

/** One bucket of one currency; flat, so that the CSV has the same columns as the JSON. */
export const revenueRowSchema = z.strictObject({
  currency: z.string().describe('ISO 4217 code of every amount of the row'),
  period: z.string().describe('The bucket: YYYY-MM for months, the first day YYYY-MM-DD for days and weeks'),
  period_start: timestampSchema.describe('Start of the bucket (inclusive)'),
  period_end: timestampSchema.describe('End of the bucket (exclusive)'),
  mrr_start: moneySchema('MRR at the start of the bucket'),
  mrr: moneySchema('MRR at the end of the bucket: Σ of every subscription’s normalised monthly amount'),
  arr: moneySchema('ARR = 12 × mrr'),
  new_mrr: moneySchema('Σ of new movements (subscriptions counting for the first time)'),
  new_count: z.number().int().describe('Number of new movements'),
  expansion_mrr: moneySchema('Σ of expansion movements'),
  expansion_count: z.number().int(),
  contraction_mrr: moneySchema('Σ of contraction movements (negative)'),
  contraction_count: z.number().int(),
  churn_mrr: moneySchema('Σ of churn movements (negative)'),
  churn_count: z.number().int(),
  reactivation_mrr: moneySchema('Σ of reactivation movements'),
  reactivation_count: z.number().int(),
  net_new_mrr: moneySchema('Σ of all movements = mrr − mrr_start'),
  trial_starts: z.number().int().describe('Trials started in the bucket'),
  trial_conversions: z.number().int().describe('Trials converted in the bucket (whenever they started)'),
  trial_conversion_rate: rateSchema(
    'Of the trials started in the bucket, the share converted by the end of the report',
  ),
  active_subscriptions: z.number().int().describe('Subscriptions paying MRR at the end of the bucket'),
  active_customers: z.number().int().describe('Customers with at least one such subscription at the end'),
  customers_at_start: z.number().int().describe('Customers paying MRR at the start of the bucket'),
  churned_customers: z.number().int().describe('Of those, the ones paying no MRR at the end'),
  logo_churn_rate: rateSchema('churned_customers ÷ customers_at_start'),
  revenue_churn_rate: rateSchema(
    'MRR lost from the customers at the start (each one’s drop, capped at what it paid) ÷ mrr_start = 1 − GRR',
  ),
  gross_revenue_retention: rateSchema(
    'Σ min(end, start) MRR of the customers at the start ÷ their MRR at the start',
  ),
  net_revenue_retention: rateSchema('Σ end MRR of the customers at the start ÷ their MRR at the start'),
  arpu: z.number().int().nullable().describe('mrr ÷ active_customers, minor units; null without customers'),
  ltv: z
    .number()
    .int()
    .nullable()
    .describe(
      'ARPU × gross margin ÷ revenue_churn_rate (per month: the bucket’s churn scaled to its length in ' +
        'months), minor units; null when nothing churned (unbounded) or nobody paid',
    ),
  dunning_recovered: z.number().int().describe('Invoices with a failed charge paid after all, in the bucket'),
  dunning_lost: z
    .number()
    .int()
    .describe('Invoices with a failed charge marked uncollectible, in the bucket'),
  dunning_recovery_rate: rateSchema('dunning_recovered ÷ (dunning_recovered + dunning_lost)'),
  dunning_recovered_amount: moneySchema('Σ amount paid of the recovered invoices'),
});

export const REVENUE_COLUMNS = Object.keys(revenueRowSchema.shape);

const reportContext = {
  from: z.string(),
  to: z.string(),
  time_zone: z.string().describe('The seller’s time zone, in which buckets and dates are calendar days'),
  include_test_mode: z.boolean(),
  reporting_currency: z
    .string()
    .nullable()
    .describe('Set when the figures were converted into the reporting currency'),
  exchange_rates: z
    .record(z.string(), z.string())
    .describe('The rates used: units of the reporting currency per unit of each currency'),
  unconverted_currencies: z
    .array(z.string())
    .describe('Currencies left out of a converted report for want of a rate'),
};

export const revenueReportSchema = z.strictObject({
  object: z.literal('revenue_report'),
  interval: z.enum(REPORT_INTERVALS),
  gross_margin_basis_points: z.number().int(),
  ...reportContext,
  data: z.array(revenueRowSchema),
});

export const cohortReportQuerySchema = z.strictObject({
  from: dateSchema('First cohort month (the month holding this day)'),
  to: dateSchema('Last month of the table (the month holding this day)'),
  currency: currencySchema.optional().describe('Only this currency'),
  include_test_mode: includeTestMode,
  in_reporting_currency: inReportingCurrency,
});

export type CohortReportQuery = z.output<typeof cohortReportQuerySchema>;

export const cohortRowSchema = z.strictObject({
  currency: z.string(),
  cohort: z.string().describe('YYYY-MM: the month the cohort’s customers first paid MRR'),
  cohort_customers: z.number().int().describe('Customers in the cohort'),
  months_since_start: z.number().int().describe('0 for the end of the cohort’s month, 1 for the next month…'),
  active_customers: z.number().int().describe('Cohort customers paying MRR at the end of that month'),
  mrr: moneySchema('Their MRR at the end of that month'),
  customer_retention: rateSchema('active_customers ÷ cohort_customers'),
  mrr_retention: rateSchema('mrr ÷ the cohort’s mrr at months_since_start 0'),
});

export const COHORT_COLUMNS = Object.keys(cohortRowSchema.shape);

export const cohortReportSchema = z.strictObject({
  object: z.literal('cohort_report'),
  ...reportContext,
  data: z.array(cohortRowSchema),
});

export const listMrrMovementsQuerySchema = listQuerySchema.extend({
  from: dateSchema('Movements on or after this day').optional(),
  to: dateSchema('Movements on or before this day').optional(),
  currency: currencySchema.optional(),
  subscription_id: prefixedId('sub', 'a subscription').optional(),
  customer_id: prefixedId('cus', 'a customer').optional(),
  kind: z.enum(MRR_MOVEMENT_KINDS).optional(),
  include_test_mode: includeTestMode,
});

export const mrrMovementSchema = z.strictObject({
  id: z.string(),
  object: z.literal('mrr_movement'),
  subscription_id: z.string(),
  customer_id: z.string(),
  sequence: z.number().int().describe('The subscription’s own count of movements, from 1'),
  kind: z.enum(MRR_MOVEMENT_KINDS),
  currency: z.string(),
  mrr_before: moneySchema('The subscription’s MRR before'),
  mrr_after: moneySchema('Its MRR after'),
  delta: moneySchema('mrr_after − mrr_before'),
  occurred_at: timestampSchema.describe(
    'When the change happened (the test clock’s time under a test clock)',
  ),
  event_key: z.string().describe('Key of the domain event that recorded the change'),
  test_mode: z.boolean(),
});

export const MRR_MOVEMENT_COLUMNS = Object.keys(mrrMovementSchema.shape);

export const mrrMovementListSchema = listResponseSchema(mrrMovementSchema);

const exchangeRateSchema = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,12})?$/, 'must be a positive decimal string such as "0.92"')
  .refine((rate) => /[1-9]/.test(rate), 'must not be 0')
  .describe('Units of the reporting currency per unit of this currency, as a decimal string');

export const putAnalyticsSettingsSchema = z
  .strictObject({
    gross_margin_basis_points: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .describe('Gross margin LTV uses, in basis points; default 10000 (100 %)'),
    reporting_currency: currencySchema
      .nullable()
      .optional()
      .describe('Currency of converted reports; null (default) for none'),
    exchange_rates: z
      .record(currencySchema, exchangeRateSchema)
      .optional()
      .describe('One fixed rate per currency to convert; a currency without one is never converted'),
  })
  .superRefine((settings, ctx) => {
    const currencies = Object.keys(settings.exchange_rates ?? {});
    if (currencies.length > 0 && !settings.reporting_currency) {
      ctx.addIssue({
        code: 'custom',
        path: ['exchange_rates'],
        message: 'exchange rates need a reporting_currency to convert into',
      });
    }
    if (settings.reporting_currency && currencies.includes(settings.reporting_currency)) {
      ctx.addIssue({
        code: 'custom',
        path: ['exchange_rates', settings.reporting_currency],
        message: 'the reporting currency needs no rate to itself',
      });
    }
  });

export const analyticsSettingsSchema = z.strictObject({
  object: z.literal('analytics_settings'),
  gross_margin_basis_points: z.number().int(),
  reporting_currency: z.string().nullable(),
  exchange_rates: z.record(z.string(), z.string()),
  updated_at: timestampSchema.nullable(),
});
