import { z } from 'zod';
import { DISPUTE_STATUSES } from '../../db/entities/dispute';
import { listQuerySchema, listResponseSchema, prefixedId, timestampSchema } from './common';

export const listDisputesQuerySchema = listQuerySchema.extend({
  status: z.enum(DISPUTE_STATUSES).optional().describe('Only disputes in this status'),
  customer_id: prefixedId('cus', 'a customer').optional(),
  invoice_id: prefixedId('in', 'an invoice').optional(),
});

export const disputeResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('dispute'),
  payment_id: z.string().describe('The disputed payment'),
  invoice_id: z.string(),
  customer_id: z.string(),
  subscription_id: z.string().nullable().describe('The subscription of the invoice, if it has one'),
  gateway: z.string(),
  gateway_reference: z.string().describe("The gateway's own dispute id"),
  amount: z.number().int().describe('Disputed amount, in minor units of `currency` (the payment’s)'),
  currency: z.string(),
  reason: z.string().describe("The gateway's reason code, e.g. `fraudulent` or `product_not_received`"),
  status: z
    .enum(DISPUTE_STATUSES)
    .describe(
      '`needs_response` and `under_review` while the card issuer decides; `won` (the payment stands) and ' +
        '`lost` (the invoice is reopened for the disputed amount) are final',
    ),
  fee_amount: z
    .number()
    .int()
    .nullable()
    .describe('What the gateway charged for the dispute, as it reported it; null until it does'),
  chargeback_id: z
    .string()
    .nullable()
    .describe('The `kind: chargeback` refund that took the payment back when the dispute was lost'),
  closed_at: timestampSchema.nullable(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});

export const disputeListSchema = listResponseSchema(disputeResponseSchema);
export type DisputeResponse = z.infer<typeof disputeResponseSchema>;
