import { z } from 'zod';
import { INVOICE_ITEM_KINDS } from '../../db/entities/invoice-item';
import {
  booleanQuerySchema,
  currencySchema,
  listQuerySchema,
  listResponseSchema,
  prefixedId,
  timestampSchema,
} from './common';

/**
 * The largest one-off amount, 10^12 minor units (ten billion euros): far below 2^53 − 1, so quantities, sums of
 * lines and tax on top of them stay exact. A bound of this module until the shared safe-integer limits exist.
 */
export const MAX_ITEM_AMOUNT = 1_000_000_000_000;
const MAX_ITEM_QUANTITY = 1_000_000;

const signedAmount = (what: string) =>
  z.number().int().min(-MAX_ITEM_AMOUNT).max(MAX_ITEM_AMOUNT).describe(what);

const periodSchema = z
  .strictObject({ start: timestampSchema, end: timestampSchema })
  .refine((period) => Date.parse(period.end) > Date.parse(period.start), {
    message: 'must be after start',
    path: ['end'],
  })
  .describe('The service period the charge or credit is for');

/**
 * One charge or credit, as an invoice item or an inline line of a one-off invoice. `amount` is the line total;
 * with `unit_amount` it must equal `unit_amount × quantity`.
 */
export const chargeLineShape = {
  amount: signedAmount(
    'Minor units, up to ±10^12: positive charges the customer, negative credits them; never 0',
  ),
  description: z.string().min(1).max(500).describe('What the customer reads on the invoice line'),
  quantity: z.number().int().min(1).max(MAX_ITEM_QUANTITY).optional().describe('Defaults to 1'),
  unit_amount: signedAmount(
    'Price of one unit; `amount` must then equal `unit_amount × quantity`',
  ).optional(),
  period: periodSchema.optional(),
};

type ChargeLine = {
  amount: number;
  quantity?: number | undefined;
  unit_amount?: number | undefined;
};

/** The rules across fields of one line, each reported at the field a client would fix. */
export function checkChargeLine(line: ChargeLine, ctx: z.RefinementCtx, at: (string | number)[] = []): void {
  if (line.amount === 0) {
    ctx.addIssue({ code: 'custom', path: [...at, 'amount'], message: 'must not be 0' });
  }
  if (line.unit_amount !== undefined && line.unit_amount * (line.quantity ?? 1) !== line.amount) {
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'amount'],
      message: 'must equal unit_amount × quantity',
    });
  }
}

export const createInvoiceItemSchema = z
  .strictObject({
    customer_id: prefixedId('cus', 'a customer'),
    subscription_id: prefixedId('sub', 'a subscription')
      .optional()
      .describe(
        "Bill it on this subscription's next invoice only; without one, on the customer's next invoice",
      ),
    currency: currencySchema,
    ...chargeLineShape,
  })
  .superRefine((item, ctx) => checkChargeLine(item, ctx));

export type CreateInvoiceItemInput = z.infer<typeof createInvoiceItemSchema>;

export const listInvoiceItemsQuerySchema = listQuerySchema.extend({
  customer_id: prefixedId('cus', 'a customer').optional(),
  invoice_id: prefixedId('in', 'an invoice').optional().describe('The items an invoice billed'),
  pending: booleanQuerySchema
    .optional()
    .describe('`true`: only items waiting for an invoice; `false`: only billed ones'),
});

export const invoiceItemResponseSchema = z
  .strictObject({
    id: z.string(),
    object: z.literal('invoice_item'),
    customer_id: z.string(),
    subscription_id: z.string().nullable(),
    invoice_id: z.string().nullable().describe('The invoice that billed it; null while pending'),
    pending: z.boolean(),
    kind: z.enum(INVOICE_ITEM_KINDS),
    currency: z.string(),
    amount: z.number().int(),
    description: z.string(),
    quantity: z.number().int(),
    unit_amount: z.number().int().nullable(),
    period: z.strictObject({ start: timestampSchema, end: timestampSchema }).nullable(),
    created_at: timestampSchema,
  })
  .describe('A charge or credit waiting for (or billed on) an invoice');

export type InvoiceItemResponse = z.infer<typeof invoiceItemResponseSchema>;
export const invoiceItemListSchema = listResponseSchema(invoiceItemResponseSchema);

export const deletedInvoiceItemSchema = z.strictObject({
  id: z.string(),
  object: z.literal('invoice_item'),
  deleted: z.literal(true),
});
