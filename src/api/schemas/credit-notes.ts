import { z } from 'zod';
import { CREDIT_NOTE_OUTCOMES } from '../../db/entities/credit-note';
import { listQuerySchema, listResponseSchema, prefixedId, timestampSchema } from './common';
import { refundResponseSchema } from './refunds';

export const createCreditNoteSchema = z.strictObject({
  invoice_id: prefixedId('in', 'an invoice'),
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('Minor units credited'),
  reason: z.string().min(1).max(500),
  outcome: z
    .enum(CREDIT_NOTE_OUTCOMES)
    .describe('credit_balance: to the customer balance; refund: back to the card; none: written off'),
});

export const listCreditNotesQuerySchema = listQuerySchema.extend({
  invoice_id: prefixedId('in', 'an invoice').optional(),
  customer_id: prefixedId('cus', 'a customer').optional(),
});

export const creditNoteResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('credit_note'),
  invoice_id: z.string(),
  customer_id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  reason: z.string(),
  outcome: z.enum(CREDIT_NOTE_OUTCOMES),
  refunds: z.array(refundResponseSchema).describe('The refunds a `refund` outcome made; empty otherwise'),
  created_at: timestampSchema,
});

export const creditNoteListSchema = listResponseSchema(creditNoteResponseSchema);
export type CreditNoteResponse = z.infer<typeof creditNoteResponseSchema>;
