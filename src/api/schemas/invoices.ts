import { z } from 'zod';
import { BILLING_REASONS, INVOICE_STATUSES } from '../../db/entities/invoice';
import { INVOICE_LINE_KINDS } from '../../db/entities/invoice-line';
import {
  currencySchema,
  emptyBodySchema,
  listQuerySchema,
  listResponseSchema,
  orderQuerySchema,
  prefixedId,
  timestampSchema,
} from './common';
import { chargeLineShape, checkChargeLine } from './invoice-items';
import { paymentResponseSchema } from './payments';

export const listInvoicesQuerySchema = listQuerySchema.extend({
  subscription_id: prefixedId('sub', 'a subscription').optional(),
  customer_id: prefixedId('cus', 'a customer').optional(),
  status: z.enum(INVOICE_STATUSES).optional(),
  created_gte: timestampSchema.optional().describe('Only invoices created at or after this instant'),
  created_lt: timestampSchema.optional().describe('Only invoices created before this instant'),
  order: orderQuerySchema,
});

const instant = timestampSchema.nullable();

export const invoiceLineSchema = z.strictObject({
  kind: z.enum(INVOICE_LINE_KINDS),
  description: z.string(),
  quantity: z.number().int(),
  unit_amount: z.number().int().nullable(),
  amount: z.number().int(),
  period_start: instant,
  period_end: instant,
  tax_rate_bp: z
    .number()
    .int()
    .nullable()
    .describe('The VAT rate the line was taxed at, in basis points (700 = 7 %); null on discount lines'),
  item_id: z.string().nullable().describe('The subscription item the line bills, if it bills one'),
});

export const invoiceTaxSchema = z.strictObject({
  rate_bp: z.number().int(),
  taxable: z.number().int(),
  amount: z.number().int(),
  reverse_charge: z.boolean(),
  inclusive: z.boolean(),
});

export const invoiceResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('invoice'),
  number: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES),
  billing_reason: z.enum(BILLING_REASONS),
  customer_id: z.string(),
  subscription_id: z.string().nullable(),
  currency: z.string(),
  subtotal: z.number().int(),
  discount_total: z.number().int(),
  tax_total: z.number().int(),
  total: z.number().int(),
  credit_applied: z.number().int(),
  amount_due: z.number().int(),
  amount_paid: z
    .number()
    .int()
    .describe('Collected, less what card issuers took back in lost disputes (which reopen a paid invoice)'),
  amount_refunded: z
    .number()
    .int()
    .describe('Given back: refunds through the API, credit notes and refunds made at the gateway'),
  period_start: instant,
  period_end: instant,
  finalized_at: instant,
  paid_at: instant,
  lines: z.array(invoiceLineSchema),
  taxes: z.array(invoiceTaxSchema),
});

export const invoiceListSchema = listResponseSchema(invoiceResponseSchema);
export type InvoiceResponse = z.infer<typeof invoiceResponseSchema>;

/** Invoice actions take no parameters; an empty or absent body is accepted, anything in it is a 400. */
export const invoiceActionBodySchema = emptyBodySchema;

/** `pay` answers with the invoice and the attempt it made, so a decline is visible in the same answer. */
export const invoicePayResponseSchema = invoiceResponseSchema.extend({
  payment: paymentResponseSchema
    .nullable()
    .describe(
      'The attempt this request made (its status says whether it was declined); null if none was needed',
    ),
});
export type InvoicePayResponse = z.infer<typeof invoicePayResponseSchema>;

/** An inline line of a one-off invoice: the same fields and rules as an invoice item. */
const oneOffLineSchema = z
  .strictObject(chargeLineShape)
  .superRefine((line, ctx) => checkChargeLine(line, ctx));

export const createInvoiceSchema = z
  .strictObject({
    customer_id: prefixedId('cus', 'a customer'),
    currency: currencySchema,
    lines: z
      .array(oneOffLineSchema)
      .min(1)
      .max(100)
      .optional()
      .describe('Charges and credits billed on this invoice only, after the pending items'),
    pending_items: z
      .enum(['include', 'exclude'])
      .default('include')
      .describe(
        "`include` (default) bills the customer's pending invoice items without a subscription in `currency`",
      ),
    collect: z
      .enum(['now', 'later'])
      .default('later')
      .describe(
        '`now` charges the customer’s default payment method at once; `later` (default) leaves the invoice open',
      ),
  })
  .superRefine((body, ctx) => {
    if (body.pending_items === 'exclude' && body.lines === undefined) {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: 'required when pending_items is exclude' });
    }
  });

export type CreateInvoiceInput = z.infer<typeof createInvoiceSchema>;

export const createdInvoiceResponseSchema = invoiceResponseSchema.extend({
  payment: paymentResponseSchema
    .nullable()
    .describe(
      'With `collect: now`, the charge attempt (its status says whether it was declined); otherwise, or when ' +
        'nothing was due, null',
    ),
});
