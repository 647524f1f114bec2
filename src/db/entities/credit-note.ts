import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { bigintNumber, createdAtColumn, currencyCheck } from './columns';
import { Customer } from './customer';
import { Invoice } from './invoice';

/** Where the credited amount goes: the customer's balance, back to the card (a refund), or nowhere (write-off). */
export const CREDIT_NOTE_OUTCOMES = ['credit_balance', 'refund', 'none'] as const;
export type CreditNoteOutcome = (typeof CREDIT_NOTE_OUTCOMES)[number];

/**
 * The only way to correct a finalized invoice, which itself stays immutable. A document of its own: a number from
 * its own gapless series per year (`CN-2026-000001`; test-clock customers' notes from a separate `CN-TEST-` series),
 * lines with the VAT split of the invoice it corrects (`credit_note_lines`), a PDF and an e-invoice.
 */
export class CreditNote {
  [OptionalProps]?: 'id' | 'createdAt';
  id: string = newId('cn');
  number!: string;
  invoice!: Invoice;
  customer!: Customer;
  amount!: number;
  currency!: string;
  reason!: string;
  outcome!: CreditNoteOutcome;
  idempotencyKey!: string;
  createdAt: Date = new Date();
}

export const CreditNoteSchema = new EntitySchema<CreditNote>({
  class: CreditNote,
  tableName: 'credit_notes',
  indexes: [{ properties: ['invoice'], name: 'credit_notes_invoice_id_index' }],
  checks: [
    { name: 'credit_notes_amount_check', expression: 'amount > 0' },
    { name: 'credit_notes_currency_check', expression: currencyCheck('currency') },
  ],
  properties: {
    id: { type: 'text', primary: true },
    number: { type: 'text', unique: 'credit_notes_number_unique' },
    invoice: { kind: 'm:1', entity: () => Invoice },
    customer: { kind: 'm:1', entity: () => Customer },
    amount: { type: bigintNumber() },
    currency: { type: 'text' },
    reason: { type: 'text' },
    outcome: { type: 'text', enum: true, items: [...CREDIT_NOTE_OUTCOMES] },
    idempotencyKey: { type: 'text', unique: 'credit_notes_idempotency_key_unique' },
    createdAt: createdAtColumn,
  },
});
