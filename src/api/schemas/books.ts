import { z } from 'zod';
import { AGING_BUCKETS } from '../../domain/receivables-aging';
import { currencySchema } from './common';

const date = z.iso.date().describe('A calendar date (YYYY-MM-DD) in the seller’s time zone');

function ordered<T extends { from: string; to: string }>(schema: z.ZodType<T>) {
  return schema.refine((value) => value.from <= value.to, {
    message: 'must not be after `to`',
    path: ['from'],
  });
}

export const revenueRecognizedQuerySchema = ordered(
  z.strictObject({
    from: date.describe('First day (inclusive)'),
    to: date.describe('Last day (inclusive)'),
    interval: z
      .enum(['day', 'week', 'month'])
      .default('month')
      .describe('Bucket: day, ISO week (Monday), month'),
    currency: currencySchema.optional().describe('Only this currency'),
  }),
);

export const revenueDeferredQuerySchema = z.strictObject({
  at: date.describe('The balance at the end of this day'),
  currency: currencySchema.optional().describe('Only this currency'),
});

const dimensions = {
  currency: z.string(),
  product_id: z
    .string()
    .nullable()
    .describe('The product of the line’s subscription; null for one-off invoices'),
  product_name: z.string().nullable(),
  tax_country: z.string().describe('The customer’s country, where the service is supplied'),
};

export const revenueRecognizedResponseSchema = z.strictObject({
  object: z.literal('revenue_recognized'),
  from: z.string(),
  to: z.string(),
  interval: z.enum(['day', 'week', 'month']),
  time_zone: z.string(),
  data: z.array(
    z.strictObject({
      period_start: z.string().describe('First day of the bucket'),
      ...dimensions,
      amount: z
        .number()
        .int()
        .describe('Net revenue recognised, minor units (negative where reversals dominate)'),
    }),
  ),
  totals: z.array(z.strictObject({ currency: z.string(), amount: z.number().int() })),
});
export type RevenueRecognizedResponse = z.infer<typeof revenueRecognizedResponseSchema>;

export const revenueDeferredResponseSchema = z.strictObject({
  object: z.literal('revenue_deferred'),
  at: z.string(),
  time_zone: z.string(),
  data: z.array(
    z.strictObject({
      ...dimensions,
      invoiced: z.number().int().describe('Net booked by documents dated up to `at`'),
      recognized: z.number().int().describe('Net recognised on days up to `at`'),
      deferred: z.number().int().describe('invoiced − recognized: still to be recognised after `at`'),
    }),
  ),
  totals: z.array(
    z.strictObject({
      currency: z.string(),
      invoiced: z.number().int(),
      recognized: z.number().int(),
      deferred: z.number().int(),
    }),
  ),
});
export type RevenueDeferredResponse = z.infer<typeof revenueDeferredResponseSchema>;

export const exportQuerySchema = ordered(
  z.strictObject({
    from: date.describe('First day of the bookings (inclusive)'),
    to: date.describe('Last day of the bookings (inclusive)'),
    chart: z
      .enum(['skr03', 'skr04'])
      .optional()
      .describe('Chart of accounts; the accounting settings’ by default'),
    currency: currencySchema
      .optional()
      .describe('Only bookings in this currency (DATEV: the seller’s by default)'),
  }),
);

export const journalResponseSchema = z.strictObject({
  object: z.literal('journal'),
  from: z.string(),
  to: z.string(),
  chart: z.enum(['skr03', 'skr04']),
  data: z.array(
    z.strictObject({
      date: z.string(),
      kind: z.enum([
        'invoice',
        'invoice_void',
        'credit_note',
        'payment',
        'refund',
        'refund_correction',
        'chargeback',
        'fee',
      ]),
      document_number: z.string(),
      reference: z.string().nullable(),
      document_id: z.string(),
      text: z.string(),
      debit_account: z.number().int(),
      credit_account: z.number().int(),
      amount: z.number().int().describe('Minor units, always positive: the debit account receives it'),
      currency: z.string(),
      customer_id: z.string().nullable(),
      tax_rate_bp: z.number().int().nullable().describe('VAT rate of the VAT contained in `amount`'),
      tax_amount: z
        .number()
        .int()
        .nullable()
        .describe('VAT contained in `amount` (automatic revenue accounts)'),
      tax_account: z.number().int().nullable(),
      eu_destination: z.string().nullable().describe('OSS destination country or reverse-charge VAT id'),
      eu_rate_bp: z.number().int().nullable(),
    }),
  ),
});
export type JournalResponse = z.infer<typeof journalResponseSchema>;

export const agingQuerySchema = z.strictObject({
  at: date.describe('Open invoices at the end of this day'),
});

const buckets = Object.fromEntries(AGING_BUCKETS.map((bucket) => [bucket, z.number().int()])) as Record<
  (typeof AGING_BUCKETS)[number],
  z.ZodNumber
>;

export const agingResponseSchema = z.strictObject({
  object: z.literal('receivables_aging'),
  at: z.string(),
  time_zone: z.string(),
  data: z.array(
    z.strictObject({
      customer_id: z.string(),
      customer_name: z.string(),
      currency: z.string(),
      ...buckets,
      total: z.number().int(),
      invoices: z.number().int(),
    }),
  ),
  invoices: z.array(
    z.strictObject({
      invoice_id: z.string(),
      number: z.string(),
      customer_id: z.string(),
      currency: z.string(),
      due_date: z.string(),
      days_past_due: z.number().int(),
      bucket: z.enum(AGING_BUCKETS),
      outstanding: z.number().int(),
    }),
  ),
  totals: z.array(z.strictObject({ currency: z.string(), ...buckets, total: z.number().int() })),
});
export type AgingResponse = z.infer<typeof agingResponseSchema>;
