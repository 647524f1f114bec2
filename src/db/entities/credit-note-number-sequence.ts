import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { updatedAtColumn } from './columns';

export const CREDIT_NOTE_SERIES = ['live', 'test'] as const;
export type CreditNoteSeries = (typeof CREDIT_NOTE_SERIES)[number];

/**
 * The last credit note number handed out in a year of the seller's calendar, per series: test-clock customers'
 * notes count in a series of their own, so the live series finance sees has no gaps from test mode. Incremented
 * by the transaction that creates the note, as invoice numbers are: a rollback hands the number back.
 */
export class CreditNoteNumberSequence {
  [OptionalProps]?: 'updatedAt';
  series!: CreditNoteSeries;
  year!: number;
  lastNumber!: number;
  updatedAt: Date = new Date();
}

export const CreditNoteNumberSequenceSchema = new EntitySchema<CreditNoteNumberSequence>({
  class: CreditNoteNumberSequence,
  tableName: 'credit_note_number_sequences',
  checks: [
    { name: 'credit_note_number_sequences_year_check', expression: 'year >= 2000 and year <= 9999' },
    { name: 'credit_note_number_sequences_last_number_check', expression: 'last_number >= 1' },
  ],
  properties: {
    series: { type: 'text', enum: true, items: [...CREDIT_NOTE_SERIES], primary: true },
    year: { type: 'integer', primary: true, autoincrement: false },
    lastNumber: { type: 'integer' },
    updatedAt: updatedAtColumn,
  },
});
