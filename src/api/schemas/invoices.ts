import { z } from 'zod';
import { listQuerySchema, listResponseSchema, prefixedId, timestampSchema } from './common';

export const listInvoicesQuerySchema = listQuerySchema.extend({
  subscription_id: prefixedId('sub', 'a subscription').optional(),
  customer_id: prefixedId('cus', 'a customer').optional(),
  status: z.enum(['draft', 'open', 'paid', 'void', 'uncollectible']).optional(),
});

const instant = timestampSchema.nullable();

export const invoiceResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('invoice'),
  number: z.string().nullable(),
  status: z.string(),
  billing_reason: z.string(),
  customer_id: z.string(),
  subscription_id: z.string().nullable(),
  currency: z.string(),
  subtotal: z.number().int(),
  discount_total: z.number().int(),
  tax_total: z.number().int(),
  total: z.number().int(),
  credit_applied: z.number().int(),
  amount_due: z.number().int(),
  amount_paid: z.number().int(),
  period_start: instant,
  period_end: instant,
  finalized_at: instant,
  paid_at: instant,
  lines: z.array(
    z.strictObject({
      kind: z.string(),
      description: z.string(),
      quantity: z.number().int(),
      unit_amount: z.number().int().nullable(),
      amount: z.number().int(),
      period_start: instant,
      period_end: instant,
    }),
  ),
  taxes: z.array(
    z.strictObject({
      rate_bp: z.number().int(),
      taxable: z.number().int(),
      amount: z.number().int(),
      reverse_charge: z.boolean(),
      inclusive: z.boolean(),
    }),
  ),
});

export const invoiceListSchema = listResponseSchema(invoiceResponseSchema);
export type InvoiceResponse = z.infer<typeof invoiceResponseSchema>;
