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

export const creditNoteLineSchema = z
  .strictObject({
    description: z.string(),
    rate_bp: z.number().int().describe('VAT rate of the corrected invoice, in basis points (1900 = 19 %)'),
    taxable: z.number().int().describe('Net credited at this rate, minor units'),
    tax: z.number().int().describe('VAT credited at this rate, minor units'),
    reverse_charge: z.boolean(),
  })
  .describe(
    'One VAT rate of the corrected invoice: the credited amount split pro rata of its tax lines (largest remainder)',
  );

export const creditNoteResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('credit_note'),
  number: z
    .string()
    .describe('Gapless per year: `CN-2026-000001`; test-clock customers’ notes count in a `CN-TEST-` series'),
  invoice_id: z.string(),
  customer_id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  reason: z.string(),
  outcome: z.enum(CREDIT_NOTE_OUTCOMES),
  lines: z.array(creditNoteLineSchema).describe('Net and VAT per rate; Σ (taxable + tax) = amount'),
  refunds: z.array(refundResponseSchema).describe('The refunds a `refund` outcome made; empty otherwise'),
  created_at: timestampSchema,
});

export const creditNoteListSchema = listResponseSchema(creditNoteResponseSchema);
export type CreditNoteResponse = z.infer<typeof creditNoteResponseSchema>;

export const eInvoiceQuerySchema = z.strictObject({
  format: z
    .enum(['xrechnung-cii', 'xrechnung-ubl', 'zugferd'])
    .describe(
      'xrechnung-cii / xrechnung-ubl: XRechnung 3.0 XML (EN 16931, CII or UBL syntax); zugferd: the PDF with the ' +
        'Factur-X/ZUGFeRD XML (profile EN 16931) embedded',
    ),
});
