import type { Money } from '../../domain';
import { formatAmount, formatDate, formatRate } from '../../documents/format';
import type { InvoiceTotalsLabels } from '../../documents/invoice-labels';
import type { EmailBlock, EmailTableRow } from './layout';
import type { AnyEmailKind, EmailDataByKind, EmailLocale, ReceiptInvoice } from './types';

/** Formatting bound to one email's locale and time zone, so templates cannot mix them up. */
export type Formatters = {
  amount(value: Money): string;
  date(iso: string): string;
  rate(rateBp: number): string;
};

export function createFormatters(locale: EmailLocale, timeZone: string): Formatters {
  return {
    amount: (value) => formatAmount(value.amount, value.currency, locale),
    date: (iso) => formatDate(iso, locale, timeZone),
    rate: (rateBp) => formatRate(rateBp, locale),
  };
}

export type TemplateOutput = { subject: string; blocks: EmailBlock[] };

export type LocaleCatalogue = {
  /** Called with a trimmed, possibly empty name. */
  greeting(customerName: string): string;
  closing: string;
  templates: { [K in AnyEmailKind]: (data: EmailDataByKind[K], format: Formatters) => TemplateOutput };
};

/** The receipt's summary table; both languages share its arithmetic-free layout and differ only in labels. */
export function receiptRows(
  invoice: ReceiptInvoice,
  labels: InvoiceTotalsLabels,
  format: Formatters,
): EmailTableRow[] {
  const amount = (value: number) => format.amount({ amount: value, currency: invoice.currency });
  // As on the PDF: with several rates, each line names the one it was taxed at.
  const showLineRates = invoice.taxes.length > 1;
  const row = (line: ReceiptInvoice['lines'][number]): EmailTableRow => {
    const label = line.quantity > 1 ? `${line.quantity} × ${line.description}` : line.description;
    const rate =
      showLineRates && line.kind !== 'discount' && line.taxRateBp !== undefined
        ? ` (${labels.lineRate(format.rate(line.taxRateBp))})`
        : '';
    return { label: `${label}${rate}`, value: amount(line.amount) };
  };
  // Discounts follow the subtotal they reduce, as on the invoice PDF.
  const rows = invoice.lines.filter((line) => line.kind !== 'discount').map(row);
  rows.push({ label: labels.subtotal, value: amount(invoice.subtotal), strong: true });
  rows.push(...invoice.lines.filter((line) => line.kind === 'discount').map(row));
  for (const tax of invoice.taxes) {
    rows.push({
      label: labels.tax(tax, format.rate(tax.rateBp), amount(tax.taxable)),
      value: amount(tax.amount),
    });
  }
  rows.push({ label: labels.total, value: amount(invoice.total), strong: true });
  if (invoice.creditApplied !== 0) {
    rows.push({ label: labels.creditApplied, value: amount(-invoice.creditApplied) });
  }
  rows.push({ label: labels.amountPaid, value: amount(invoice.amountDue), strong: true });
  return rows;
}

export function paragraphs(...texts: (string | false | undefined)[]): EmailBlock[] {
  return texts
    .filter((text): text is string => typeof text === 'string')
    .map((text) => ({ type: 'paragraph', text }));
}

export function action(label: string, url: string | undefined): EmailBlock[] {
  return url === undefined ? [] : [{ type: 'action', label, url }];
}
