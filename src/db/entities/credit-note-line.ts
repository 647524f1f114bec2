import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { bigintNumber } from './columns';
import { CreditNote } from './credit-note';

/**
 * One tax rate's part of a credit note: the credited gross split pro rata of the corrected invoice's tax lines
 * (largest remainder), so Σ (taxable + tax) over a note's lines is its amount and the VAT it corrects is exact.
 */
export class CreditNoteLine {
  [OptionalProps]?: 'id';
  id!: string;
  creditNote!: CreditNote;
  position!: number;
  description!: string;
  rateBp!: number;
  /** Net credited at this rate. */
  taxable!: number;
  tax!: number;
  reverseCharge!: boolean;
  /** Whether the corrected invoice's prices included the tax. */
  inclusive!: boolean;
}

export const CreditNoteLineSchema = new EntitySchema<CreditNoteLine>({
  class: CreditNoteLine,
  tableName: 'credit_note_lines',
  uniques: [
    { properties: ['creditNote', 'position'], name: 'credit_note_lines_credit_note_position_unique' },
  ],
  checks: [
    { name: 'credit_note_lines_position_check', expression: 'position >= 0' },
    { name: 'credit_note_lines_rate_check', expression: 'rate_bp >= 0 and rate_bp <= 10000' },
  ],
  properties: {
    id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    creditNote: { kind: 'm:1', entity: () => CreditNote, deleteRule: 'cascade' },
    position: { type: 'integer' },
    description: { type: 'text' },
    rateBp: { type: 'integer' },
    taxable: { type: bigintNumber() },
    tax: { type: bigintNumber() },
    reverseCharge: { type: 'boolean' },
    inclusive: { type: 'boolean' },
  },
});
