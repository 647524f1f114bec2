import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { splitGrossByTaxes } from '../../domain/allocation';
import {
  CreditNote,
  CreditNoteLine,
  Customer,
  Invoice,
  SellerSettings,
  TestClock,
  type CreditNoteOutcome,
  type CreditNoteSeries,
} from '../entities';
import { newId } from '../ids';
import { StoreError } from './errors';

/** `CN-2026-000042`; test-mode notes `CN-TEST-2026-000001`, so no live number is ever spent on a test clock. */
export function formatCreditNoteNumber(series: CreditNoteSeries, year: number, sequence: number): string {
  return `${series === 'live' ? 'CN-' : 'CN-TEST-'}${year}-${String(sequence).padStart(6, '0')}`;
}

export type CreditNoteFields = {
  invoice: Invoice;
  amount: number;
  reason: string;
  outcome: CreditNoteOutcome;
  idempotencyKey: string;
  /** When the note is issued (a test clock's time, a gateway's report); else the customer's clock, else now. */
  at?: string;
};

/**
 * Issues a credit note as a document, inside the caller's transaction: the next number of its series and the
 * seller's year (the sequence row is locked until commit, so a rollback hands the number back and the committed
 * numbers have no gaps), and one line per tax rate of the corrected invoice with the credited gross split pro rata
 * of that invoice's tax lines (largest remainder). Dated `at` when given, a test-clock customer's note by its clock.
 */
export async function issueCreditNote(tx: EntityManager, fields: CreditNoteFields): Promise<CreditNote> {
  const { invoice } = fields;
  const [customer, seller] = await Promise.all([
    tx.findOneOrFail(Customer, invoice.customer.id),
    tx.findOne(SellerSettings, 1),
  ]);
  if (!seller) throw new StoreError('seller_not_configured', 'Seller settings are missing');
  const clock = customer.testClockId ? await tx.findOne(TestClock, customer.testClockId) : null;
  const at = fields.at !== undefined ? new Date(fields.at) : (clock?.frozenTime ?? new Date());
  const series: CreditNoteSeries = customer.testClockId ? 'test' : 'live';
  const local = DateTime.fromJSDate(at, { zone: seller.timeZone });
  if (!local.isValid)
    throw new StoreError('invalid_state', `Seller time zone ${seller.timeZone} is not valid`);
  const [row] = await tx.execute<{ last_number: number }[]>(
    `insert into credit_note_number_sequences (series, year, last_number) values (?, ?, 1)
     on conflict (series, year) do update
       set last_number = credit_note_number_sequences.last_number + 1, updated_at = now()
     returning last_number`,
    [series, local.year],
  );
  if (!row) throw new StoreError('invalid_state', `No credit note number for ${local.year}`);

  const creditNote = tx.create(CreditNote, {
    id: newId('cn'),
    number: formatCreditNoteNumber(series, local.year, row.last_number),
    invoice,
    customer: invoice.customer,
    amount: fields.amount,
    currency: invoice.currency,
    reason: fields.reason,
    outcome: fields.outcome,
    idempotencyKey: fields.idempotencyKey,
    createdAt: at,
  });
  const parts = splitGrossByTaxes(fields.amount, invoice.taxes, invoice.total);
  parts.forEach((part, position) =>
    tx.create(CreditNoteLine, {
      creditNote,
      position,
      description: `Credit for invoice ${invoice.number ?? invoice.id}`,
      rateBp: part.rateBp,
      taxable: part.taxable,
      tax: part.tax,
      reverseCharge: part.reverseCharge,
      inclusive: part.inclusive,
    }),
  );
  await tx.flush();
  return creditNote;
}
