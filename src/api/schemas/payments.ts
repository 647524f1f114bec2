import { z } from 'zod';
import { PAYMENT_ATTEMPT_STATUSES } from '../../db/entities/payment-attempt';
import { listQuerySchema, listResponseSchema, prefixedId, timestampSchema } from './common';

export const listPaymentsQuerySchema = listQuerySchema.extend({
  invoice_id: prefixedId('in', 'an invoice').optional(),
  customer_id: prefixedId('cus', 'a customer').optional(),
  status: z.enum(PAYMENT_ATTEMPT_STATUSES).optional(),
});

export const paymentResponseSchema = z
  .strictObject({
    id: z.string(),
    object: z.literal('payment'),
    invoice_id: z.string(),
    customer_id: z.string(),
    attempt: z.number().int(),
    amount: z.number().int(),
    currency: z.string(),
    gateway: z.string(),
    payment_method_id: z.string().nullable(),
    status: z.enum(PAYMENT_ATTEMPT_STATUSES),
    outcome: z
      .strictObject({
        charge_id: z.string().nullable(),
        failure_code: z.string().nullable(),
        failure_message: z.string().nullable(),
      })
      .nullable()
      .describe("The gateway's answer; null while the attempt is pending"),
    amount_refunded: z.number().int(),
    created_at: timestampSchema,
    completed_at: timestampSchema.nullable(),
  })
  .describe('One charge attempt of an invoice');

export const paymentListSchema = listResponseSchema(paymentResponseSchema);
export type PaymentResponse = z.infer<typeof paymentResponseSchema>;
