import { z } from 'zod';
import { REFUND_KINDS } from '../../db/entities/refund';
import { listQuerySchema, listResponseSchema, prefixedId, timestampSchema } from './common';

export const createRefundSchema = z.strictObject({
  payment_id: prefixedId('pa', 'a payment'),
  amount: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe('Minor units to return; omitted, whatever of the payment is not refunded yet'),
  reason: z.string().min(1).max(500).optional(),
});

export const listRefundsQuerySchema = listQuerySchema.extend({
  payment_id: prefixedId('pa', 'a payment').optional(),
  invoice_id: prefixedId('in', 'an invoice').optional(),
});

export const refundResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('refund'),
  payment_id: z.string(),
  invoice_id: z.string(),
  kind: z.enum(REFUND_KINDS),
  amount: z.number().int(),
  currency: z.string(),
  reason: z.string().nullable(),
  gateway_reference: z.string().nullable(),
  created_at: timestampSchema,
});

export const refundListSchema = listResponseSchema(refundResponseSchema);
export type RefundResponse = z.infer<typeof refundResponseSchema>;
