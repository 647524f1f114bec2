import { REVERSE_CHARGE_NOTE } from '../domain/tax';
import { formatAmount, formatDate, formatRate, type DocumentLocale } from './format';
import type { InvoicePdfParty } from './invoice-pdf';
import { openPdfCanvas, PAGE } from './pdf-canvas';

export type CreditNoteOutcomeKind = 'credit_balance' | 'refund' | 'none';

/** One tax rate's part of the note, as stored: net, tax and the rate, exactly; the PDF never computes them. */
export type CreditNotePdfLine = {
  rateBp: number;
  taxable: number;
  tax: number;
  reverseCharge: boolean;
};

export type CreditNotePdfInput = {
  locale: DocumentLocale;
  timeZone: string;
  seller: InvoicePdfParty;
  buyer: InvoicePdfParty;
  creditNote: {
    number: string;
    issuedAt: string;
    currency: string;
    amount: number;
    reason: string;
    outcome: CreditNoteOutcomeKind;
    lines: readonly CreditNotePdfLine[];
  };
  invoice: { number: string; issuedAt: string };
};

type Labels = {
  title: string;
  number: string;
  issued: string;
  corrects: string;
  invoiceDate: string;
  reason: string;
  billTo: string;
  vatId: string;
  description: string;
  net: string;
  rate: string;
  vat: string;
  gross: string;
  line(invoiceNumber: string, rate: string): string;
  netTotal: string;
  vatTotal(rate: string, net: string): string;
  total: string;
  outcome: Record<CreditNoteOutcomeKind, string>;
  page(current: number, count: number): string;
};

/**
 * German law calls a seller's correction of its own invoice a "Rechnungskorrektur"; a "Gutschrift" is a document
 * the buyer issues (§ 14 Abs. 2 UStG), so the German title avoids that word.
 */
const LABELS: Record<DocumentLocale, Labels> = {
  en: {
    title: 'Credit note',
    number: 'Credit note number',
    issued: 'Date',
    corrects: 'Corrects invoice',
    invoiceDate: 'Invoice date',
    reason: 'Reason',
    billTo: 'Customer',
    vatId: 'VAT ID',
    description: 'Description',
    net: 'Net',
    rate: 'VAT rate',
    vat: 'VAT',
    gross: 'Amount',
    line: (invoiceNumber, rate) => `Credit for invoice ${invoiceNumber} (VAT ${rate})`,
    netTotal: 'Net credited',
    vatTotal: (rate, net) => `VAT ${rate} on ${net}`,
    total: 'Total credited',
    outcome: {
      credit_balance:
        'The amount has been credited to your customer account and will be set against your next invoices.',
      refund: 'The amount has been refunded to your payment method.',
      none: 'No payment is made for this credit note.',
    },
    page: (current, count) => `Page ${current} of ${count}`,
  },
  de: {
    title: 'Rechnungskorrektur',
    number: 'Nummer',
    issued: 'Datum',
    corrects: 'Korrigiert Rechnung',
    invoiceDate: 'Rechnungsdatum',
    reason: 'Grund',
    billTo: 'Kunde',
    vatId: 'USt-IdNr.',
    description: 'Beschreibung',
    net: 'Netto',
    rate: 'USt-Satz',
    vat: 'USt.',
    gross: 'Betrag',
    line: (invoiceNumber, rate) => `Korrektur zu Rechnung ${invoiceNumber} (USt. ${rate})`,
    netTotal: 'Netto korrigiert',
    vatTotal: (rate, net) => `USt. ${rate} auf ${net}`,
    total: 'Gesamtbetrag der Korrektur',
    outcome: {
      credit_balance:
        'Der Betrag wurde Ihrem Kundenkonto gutgeschrieben und mit Ihren nächsten Rechnungen verrechnet.',
      refund: 'Der Betrag wurde auf Ihr Zahlungsmittel erstattet.',
      none: 'Zu dieser Rechnungskorrektur erfolgt keine Zahlung.',
    },
    page: (current, count) => `Seite ${current} von ${count}`,
  },
};

/** The attachment's file name, in the customer's language. */
export function creditNotePdfFilename(number: string, locale: DocumentLocale): string {
  return `${LABELS[locale].title}-${number.replace(/[^0-9A-Za-z_-]/g, '_')}.pdf`;
}

const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const COLUMNS = {
  description: { x: PAGE.margin, width: 215 },
  net: { x: 270, width: 75 },
  rate: { x: 350, width: 55 },
  vat: { x: 410, width: 60 },
  gross: { x: 475, width: PAGE.width - PAGE.margin - 475 },
};
const MUTED = '#555555';

/**
 * Renders a credit note as an A4 PDF in the customer's language: its number, the invoice it corrects, the credited
 * amount split by VAT rate as stored, and what happens to the money. Dated by the note, so the same note always
 * gives the same bytes.
 */
export async function renderCreditNotePdf(input: CreditNotePdfInput): Promise<Buffer> {
  const { locale, timeZone, seller, buyer, creditNote, invoice } = input;
  const labels = LABELS[locale];
  const amount = (value: number) => formatAmount(value, creditNote.currency, locale);
  const date = (iso: string) => formatDate(iso, locale, timeZone);

  const { doc, write, finish } = openPdfCanvas({
    locale,
    title: `${labels.title} ${creditNote.number}`,
    author: seller.name,
    subject: `${labels.title} ${creditNote.number} – ${buyer.name}`,
    createdAt: creditNote.issuedAt,
  });
  const party = (who: InvoicePdfParty): string[] => [
    ...who.address,
    ...(who.vatId === undefined ? [] : [`${labels.vatId} ${who.vatId}`]),
    ...(who.email === undefined ? [] : [who.email]),
  ];

  let y = write(seller.name, PAGE.margin, PAGE.margin, { bold: true, size: 12, width: 300 });
  for (const line of party(seller)) y = write(line, PAGE.margin, y, { color: MUTED, width: 300 });
  write(labels.title, 300, PAGE.margin, { bold: true, size: 20, width: CONTENT_WIDTH - 250, align: 'right' });

  const blockTop = Math.max(y, PAGE.margin + 60) + 30;
  y = write(labels.billTo, PAGE.margin, blockTop, { size: 8, color: MUTED, width: 220 });
  y = write(buyer.name, PAGE.margin, y + 2, { bold: true, width: 220 });
  for (const line of party(buyer)) y = write(line, PAGE.margin, y, { width: 220 });
  let factsY = blockTop;
  for (const [label, value, bold] of [
    [labels.number, creditNote.number, true],
    [labels.issued, date(creditNote.issuedAt), false],
    [labels.corrects, invoice.number, true],
    [labels.invoiceDate, date(invoice.issuedAt), false],
    [labels.reason, creditNote.reason, false],
  ] as const) {
    const labelBottom = write(label, 285, factsY, { color: MUTED, width: 95 });
    factsY = Math.max(labelBottom, write(value, 380, factsY, { bold, width: 165 })) + 2;
  }

  const rule = (top: number, from: number) =>
    doc
      .moveTo(from, top)
      .lineTo(PAGE.width - PAGE.margin, top)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();

  y = Math.max(y, factsY) + 30;
  write(labels.description, COLUMNS.description.x, y, { bold: true, width: COLUMNS.description.width });
  write(labels.net, COLUMNS.net.x, y, { bold: true, ...COLUMNS.net, align: 'right' });
  write(labels.rate, COLUMNS.rate.x, y, { bold: true, ...COLUMNS.rate, align: 'right' });
  write(labels.vat, COLUMNS.vat.x, y, { bold: true, ...COLUMNS.vat, align: 'right' });
  write(labels.gross, COLUMNS.gross.x, y, { bold: true, ...COLUMNS.gross, align: 'right' });
  rule(y + 16, PAGE.margin);
  y += 22;
  for (const line of creditNote.lines) {
    const rate = formatRate(line.rateBp, locale);
    const rowTop = y;
    const below = write(labels.line(invoice.number, rate), COLUMNS.description.x, rowTop, {
      width: COLUMNS.description.width,
    });
    write(amount(line.taxable), COLUMNS.net.x, rowTop, { ...COLUMNS.net, align: 'right' });
    write(rate, COLUMNS.rate.x, rowTop, { ...COLUMNS.rate, align: 'right' });
    write(amount(line.tax), COLUMNS.vat.x, rowTop, { ...COLUMNS.vat, align: 'right' });
    write(amount(line.taxable + line.tax), COLUMNS.gross.x, rowTop, { ...COLUMNS.gross, align: 'right' });
    y = below + 6;
  }
  rule(y, 250);
  y += 6;
  const totalRow = (label: string, value: string, bold = false) => {
    const rowTop = y;
    const below = write(label, 200, rowTop, { bold, width: COLUMNS.gross.x - 210, align: 'right' });
    write(value, COLUMNS.gross.x, rowTop, { bold, ...COLUMNS.gross, align: 'right' });
    y = below + 4;
  };
  totalRow(labels.netTotal, amount(creditNote.lines.reduce((acc, line) => acc + line.taxable, 0)), true);
  for (const line of creditNote.lines) {
    totalRow(labels.vatTotal(formatRate(line.rateBp, locale), amount(line.taxable)), amount(line.tax));
  }
  totalRow(labels.total, amount(creditNote.amount), true);

  y += 16;
  const notes = [
    labels.outcome[creditNote.outcome],
    ...(creditNote.lines.some((line) => line.reverseCharge) ? [REVERSE_CHARGE_NOTE[locale]] : []),
  ];
  for (const note of notes) y = write(note, PAGE.margin, y, { width: CONTENT_WIDTH }) + 6;

  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    doc.switchToPage(index);
    doc.page.margins.bottom = 0;
    write(
      `${labels.title} ${creditNote.number} · ${labels.page(index - range.start + 1, range.count)}`,
      PAGE.margin,
      PAGE.height - PAGE.margin + 10,
      { size: 8, color: MUTED, width: CONTENT_WIDTH, align: 'center', lineBreak: false },
    );
  }
  return finish();
}
