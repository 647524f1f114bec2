import type { TaxLine } from '../domain';
import type { DocumentLocale } from './format';

/** Wording of invoice totals, shared by the PDF and the receipt email so that both say the same thing. */
export type InvoiceTotalsLabels = {
  subtotal: string;
  /** `rate` and `taxable` arrive formatted for the locale. */
  tax(tax: Pick<TaxLine, 'inclusive' | 'reverseCharge'>, rate: string, taxable: string): string;
  /** The rate a line was taxed at, shown beside each line when an invoice has more than one rate. */
  lineRate(rate: string): string;
  total: string;
  creditApplied: string;
  amountDue: string;
  amountPaid: string;
};

export const INVOICE_TOTALS_LABELS: Record<DocumentLocale, InvoiceTotalsLabels> = {
  en: {
    subtotal: 'Subtotal',
    tax: (tax, rate, taxable) =>
      tax.reverseCharge
        ? `VAT ${rate} (reverse charge) on ${taxable}`
        : `${tax.inclusive ? 'Included VAT' : 'VAT'} ${rate} on ${taxable}`,
    lineRate: (rate) => `VAT ${rate}`,
    total: 'Total',
    creditApplied: 'Credit applied',
    amountDue: 'Amount due',
    amountPaid: 'Amount paid',
  },
  de: {
    subtotal: 'Zwischensumme',
    tax: (tax, rate, taxable) =>
      tax.reverseCharge
        ? `USt. ${rate} (Reverse Charge) auf ${taxable}`
        : `${tax.inclusive ? 'Enthaltene USt.' : 'USt.'} ${rate} auf ${taxable}`,
    lineRate: (rate) => `USt. ${rate}`,
    total: 'Gesamtbetrag',
    creditApplied: 'Verrechnetes Guthaben',
    amountDue: 'Fälliger Betrag',
    amountPaid: 'Bezahlter Betrag',
  },
};
