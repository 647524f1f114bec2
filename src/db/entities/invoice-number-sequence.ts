import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { updatedAtColumn } from './columns';

/**
 * The last invoice number handed out in a year of the seller's calendar. Incremented by the finalizing
 * transaction, whose row lock serializes finalizations and whose rollback returns the number: no gaps.
 */
export class InvoiceNumberSequence {
  [OptionalProps]?: 'updatedAt';
  year!: number;
  lastNumber!: number;
  updatedAt: Date = new Date();
}

export const InvoiceNumberSequenceSchema = new EntitySchema<InvoiceNumberSequence>({
  class: InvoiceNumberSequence,
  tableName: 'invoice_number_sequences',
  checks: [
    { name: 'invoice_number_sequences_year_check', expression: 'year >= 2000 and year <= 9999' },
    { name: 'invoice_number_sequences_last_number_check', expression: 'last_number >= 1' },
  ],
  properties: {
    year: { type: 'integer', primary: true, autoincrement: false },
    lastNumber: { type: 'integer' },
    updatedAt: updatedAtColumn,
  },
});
