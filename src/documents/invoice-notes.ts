import { REVERSE_CHARGE_NOTE, type TaxLine } from '../domain';
import type { DocumentLocale } from './format';

export type InvoiceNote = { en: string; de: string };

/**
 * The notes an invoice must carry, in the customer's language. A reverse-charge tax line without its legal note
 * would make the invoice non-compliant, so the note is added whenever such a line exists, even if the caller
 * forgot to pass it, and never twice.
 */
export function invoiceNotes(
  notes: readonly InvoiceNote[],
  taxes: readonly Pick<TaxLine, 'reverseCharge'>[],
  locale: DocumentLocale,
): string[] {
  const all = [...notes];
  if (taxes.some((tax) => tax.reverseCharge) && !all.some((note) => note.en === REVERSE_CHARGE_NOTE.en)) {
    all.push(REVERSE_CHARGE_NOTE);
  }
  return [...new Set(all.map((note) => note[locale]))];
}
