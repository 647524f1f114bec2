import type { InvoiceLine, TaxLine } from '../domain';
import { formatAmount, formatDate, formatRate, type DocumentLocale } from './format';
import { INVOICE_TOTALS_LABELS } from './invoice-labels';
import { invoiceNotes, type InvoiceNote } from './invoice-notes';
import { openPdfCanvas, PAGE, toWinAnsi } from './pdf-canvas';

export type InvoicePdfParty = {
  name: string;
  /** Street, postal code and city, country: printed one per line. */
  address: readonly string[];
  vatId?: string;
  email?: string;
};

export type InvoicePdfStatus = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';

/** Amounts are minor units of `currency`, exactly as the finalized invoice holds them; the PDF never computes. */
export type InvoicePdfInvoice = {
  number: string;
  issuedAt: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  lines: readonly InvoiceLine[];
  taxes: readonly TaxLine[];
  subtotal: number;
  total: number;
  creditApplied: number;
  amountDue: number;
  status: InvoicePdfStatus;
  paidAt?: string;
  dueAt?: string;
  notes: readonly InvoiceNote[];
};

export type InvoicePdfInput = {
  locale: DocumentLocale;
  /** The billing time zone: the dates printed are the customer's calendar dates. */
  timeZone: string;
  seller: InvoicePdfParty;
  buyer: InvoicePdfParty;
  invoice: InvoicePdfInvoice;
};

type PdfLabels = {
  title: string;
  billTo: string;
  number: string;
  issued: string;
  period: string;
  status: string;
  vatId: string;
  description: string;
  quantity: string;
  unitPrice: string;
  amount: string;
  page(current: number, count: number): string;
  statusText(status: InvoicePdfStatus, date: string | undefined): string;
};

const LABELS: Record<DocumentLocale, PdfLabels> = {
  en: {
    title: 'Invoice',
    billTo: 'Bill to',
    number: 'Invoice number',
    issued: 'Issue date',
    period: 'Service period',
    status: 'Payment status',
    vatId: 'VAT ID',
    description: 'Description',
    quantity: 'Qty',
    unitPrice: 'Unit price',
    amount: 'Amount',
    page: (current, count) => `Page ${current} of ${count}`,
    statusText: (status, date) => {
      switch (status) {
        case 'paid':
          return date === undefined ? 'Paid' : `Paid on ${date}`;
        case 'open':
          return date === undefined ? 'Open' : `Open, due on ${date}`;
        case 'void':
          return 'Void';
        case 'uncollectible':
          return 'Uncollectible';
        case 'draft':
          return 'Draft';
      }
    },
  },
  de: {
    title: 'Rechnung',
    billTo: 'Rechnungsempfänger',
    number: 'Rechnungsnummer',
    issued: 'Rechnungsdatum',
    period: 'Leistungszeitraum',
    status: 'Zahlungsstatus',
    vatId: 'USt-IdNr.',
    description: 'Beschreibung',
    quantity: 'Menge',
    unitPrice: 'Einzelpreis',
    amount: 'Betrag',
    page: (current, count) => `Seite ${current} von ${count}`,
    statusText: (status, date) => {
      switch (status) {
        case 'paid':
          return date === undefined ? 'Bezahlt' : `Bezahlt am ${date}`;
        case 'open':
          return date === undefined ? 'Offen' : `Offen, fällig am ${date}`;
        case 'void':
          return 'Storniert';
        case 'uncollectible':
          return 'Uneinbringlich';
        case 'draft':
          return 'Entwurf';
      }
    },
  },
};

/** The attachment's file name, in the customer's language like the document itself. */
export function invoicePdfFilename(invoiceNumber: string, locale: DocumentLocale): string {
  const safeNumber = invoiceNumber.replace(/[^0-9A-Za-z_-]/g, '_');
  return `${LABELS[locale].title}-${safeNumber}.pdf`;
}

const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BOTTOM = PAGE.height - PAGE.margin - 20;
const COLUMNS = {
  description: { x: PAGE.margin, width: 250 },
  quantity: { x: 305, width: 50 },
  unitPrice: { x: 360, width: 85 },
  amount: { x: 450, width: PAGE.width - PAGE.margin - 450 },
};
const MUTED = '#555555';

/**
 * Renders a finalized invoice as an A4 PDF in the customer's language. The creation date is the issue date,
 * so the same invoice always yields the same bytes: a re-sent receipt attaches an identical document.
 */
export async function renderInvoicePdf(input: InvoicePdfInput): Promise<Buffer> {
  const { locale, timeZone, seller, buyer, invoice } = input;
  const labels = LABELS[locale];
  const totals = INVOICE_TOTALS_LABELS[locale];
  const amount = (value: number) => formatAmount(value, invoice.currency, locale);
  const date = (iso: string) => formatDate(iso, locale, timeZone);
  const issuedText = date(invoice.issuedAt);
  const periodText = `${date(invoice.periodStart)} – ${date(invoice.periodEnd)}`;
  const statusDate =
    invoice.status === 'paid' && invoice.paidAt !== undefined
      ? date(invoice.paidAt)
      : invoice.status === 'open' && invoice.dueAt !== undefined
        ? date(invoice.dueAt)
        : undefined;
  const notes = invoiceNotes(invoice.notes, invoice.taxes, locale);

  const { doc, write, finish } = openPdfCanvas({
    locale,
    title: `${labels.title} ${invoice.number}`,
    author: seller.name,
    subject: `${labels.title} ${invoice.number} – ${buyer.name}`,
    createdAt: invoice.issuedAt,
  });
  const heightOf = (text: string, width: number, bold = false): number =>
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(10)
      .heightOfString(toWinAnsi(text), { width });
  const ensureSpace = (y: number, needed: number): number => {
    if (y + needed <= BOTTOM) return y;
    doc.addPage();
    return PAGE.margin;
  };
  const partyLines = (party: InvoicePdfParty): string[] => [
    ...party.address,
    ...(party.vatId === undefined ? [] : [`${labels.vatId} ${party.vatId}`]),
    ...(party.email === undefined ? [] : [party.email]),
  ];

  // Header: seller on the left, the document's title on the right.
  let y = write(seller.name, PAGE.margin, PAGE.margin, { bold: true, size: 12, width: 300 });
  for (const line of partyLines(seller)) y = write(line, PAGE.margin, y, { color: MUTED, width: 300 });
  write(labels.title, 360, PAGE.margin, { bold: true, size: 22, width: CONTENT_WIDTH - 310, align: 'right' });

  // Buyer on the left, invoice facts on the right.
  const blockTop = Math.max(y, PAGE.margin + 60) + 30;
  y = write(labels.billTo, PAGE.margin, blockTop, { size: 8, color: MUTED, width: 220 });
  y = write(buyer.name, PAGE.margin, y + 2, { bold: true, width: 220 });
  for (const line of partyLines(buyer)) y = write(line, PAGE.margin, y, { width: 220 });
  let factsY = blockTop;
  for (const [label, value] of [
    [labels.number, invoice.number],
    [labels.issued, issuedText],
    [labels.period, periodText],
    [labels.status, labels.statusText(invoice.status, statusDate)],
  ] as const) {
    const labelBottom = write(label, 285, factsY, { color: MUTED, width: 95 });
    factsY =
      Math.max(labelBottom, write(value, 380, factsY, { bold: label === labels.number, width: 165 })) + 2;
  }

  const rule = (top: number, from: number): void => {
    doc
      .moveTo(from, top)
      .lineTo(PAGE.width - PAGE.margin, top)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
  };

  // Lines.
  const tableHeader = (top: number): number => {
    write(labels.description, COLUMNS.description.x, top, { bold: true, width: COLUMNS.description.width });
    write(labels.quantity, COLUMNS.quantity.x, top, { bold: true, ...COLUMNS.quantity, align: 'right' });
    write(labels.unitPrice, COLUMNS.unitPrice.x, top, { bold: true, ...COLUMNS.unitPrice, align: 'right' });
    write(labels.amount, COLUMNS.amount.x, top, { bold: true, ...COLUMNS.amount, align: 'right' });
    rule(top + 16, PAGE.margin);
    return top + 22;
  };
  y = tableHeader(Math.max(y, factsY) + 30);
  // With several rates each line says which one it was taxed at, so a reader can match lines to the tax lines.
  const showLineRates = invoice.taxes.length > 1;
  const lineRow = (line: InvoiceLine): void => {
    const servicePeriod =
      line.periodStart !== undefined && line.periodEnd !== undefined
        ? `${date(line.periodStart)} – ${date(line.periodEnd)}`
        : undefined;
    const rate =
      showLineRates && line.taxRateBp !== undefined
        ? totals.lineRate(formatRate(line.taxRateBp, locale))
        : undefined;
    const period = [servicePeriod, rate].filter((part) => part !== undefined).join(' · ') || undefined;
    const height =
      heightOf(line.description, COLUMNS.description.width) +
      (period === undefined ? 0 : heightOf(period, COLUMNS.description.width));
    const top = ensureSpace(y, height + 6);
    // A row pushed onto a new page gets the column headings again.
    y = top === y ? y : tableHeader(top);
    const rowTop = y;
    let below = write(line.description, COLUMNS.description.x, rowTop, { width: COLUMNS.description.width });
    if (period !== undefined) {
      below = write(period, COLUMNS.description.x, below, {
        size: 8,
        color: MUTED,
        width: COLUMNS.description.width,
      });
    }
    write(String(line.quantity), COLUMNS.quantity.x, rowTop, { ...COLUMNS.quantity, align: 'right' });
    if (line.unitAmount !== undefined) {
      write(amount(line.unitAmount), COLUMNS.unitPrice.x, rowTop, { ...COLUMNS.unitPrice, align: 'right' });
    }
    write(amount(line.amount), COLUMNS.amount.x, rowTop, { ...COLUMNS.amount, align: 'right' });
    y = below + 6;
  };

  // Totals: label right-aligned against the amount column, discounts right below the subtotal they reduce.
  const totalRow = (label: string, value: string, bold = false): void => {
    const labelWidth = COLUMNS.amount.x - 10 - 250;
    y = ensureSpace(y, heightOf(label, labelWidth, bold) + 4);
    const rowTop = y;
    const below = write(label, 250, rowTop, { bold, width: labelWidth, align: 'right' });
    write(value, COLUMNS.amount.x, rowTop, { bold, ...COLUMNS.amount, align: 'right' });
    y = below + 4;
  };

  for (const line of invoice.lines.filter((item) => item.kind !== 'discount')) lineRow(line);
  rule(y, 250);
  y += 6;
  totalRow(totals.subtotal, amount(invoice.subtotal), true);
  for (const line of invoice.lines.filter((item) => item.kind === 'discount')) {
    totalRow(line.description, amount(line.amount));
  }
  for (const tax of invoice.taxes) {
    totalRow(totals.tax(tax, formatRate(tax.rateBp, locale), amount(tax.taxable)), amount(tax.amount));
  }
  totalRow(totals.total, amount(invoice.total), true);
  if (invoice.creditApplied !== 0) totalRow(totals.creditApplied, amount(-invoice.creditApplied));
  totalRow(invoice.status === 'paid' ? totals.amountPaid : totals.amountDue, amount(invoice.amountDue), true);

  // Legal notes (reverse charge, place of supply) in full width below the totals.
  y += 16;
  for (const note of notes) {
    y = ensureSpace(y, heightOf(note, CONTENT_WIDTH));
    y = write(note, PAGE.margin, y, { width: CONTENT_WIDTH }) + 6;
  }

  // Footers last, once the page count is known; the bottom margin is lifted so pdfkit does not add a page.
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    doc.switchToPage(index);
    doc.page.margins.bottom = 0;
    write(
      `${labels.title} ${invoice.number} · ${labels.page(index - range.start + 1, range.count)}`,
      PAGE.margin,
      PAGE.height - PAGE.margin + 10,
      { size: 8, color: MUTED, width: CONTENT_WIDTH, align: 'center', lineBreak: false },
    );
  }
  return finish();
}
