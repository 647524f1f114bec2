import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import {
  Customer,
  Invoice,
  InvoiceLine,
  SellerSettings,
  Subscription,
  type InvoiceDelivery,
  type PostalAddress,
} from '../db/entities';
import { invoiceTaxParts, type TaxPart } from '../domain/allocation';
import { lineNetAmounts } from '../domain/revenue-recognition';
import { OUTSIDE_EU_NOTE, REVERSE_CHARGE_NOTE } from '../domain/tax';
import { renderCreditNotePdf } from '../documents/credit-note-pdf';
import {
  EInvoiceError,
  eInvoiceFile,
  renderEInvoice,
  type EInvoiceAddress,
  type EInvoiceFormat,
  type EInvoiceModel,
  type EInvoiceParty,
  type VatCategory,
} from '../documents/einvoice';
import type { DocumentLocale } from '../documents/format';
import { invoiceNotes } from '../documents/invoice-notes';
import { renderInvoicePdf } from '../documents/invoice-pdf';
import { loadCreditNoteDocument } from './credit-note-document';
import { loadInvoiceDocument } from './invoice-document';

export type EmailAttachment = { filename: string; content: Buffer; contentType: string };

/** The e-invoice a customer's `invoice_delivery` asks for; `pdf` asks for none. XRechnung goes out as CII. */
export function deliveryFormat(delivery: InvoiceDelivery): EInvoiceFormat | null {
  if (delivery === 'xrechnung') return 'xrechnung-cii';
  if (delivery === 'zugferd') return 'zugferd';
  return null;
}

const TERMS: Record<
  DocumentLocale,
  { paid: (date: string) => string; due: (date: string) => string; now: string }
> = {
  en: { paid: (date) => `Paid on ${date}.`, due: (date) => `Due on ${date}.`, now: 'Due on receipt.' },
  de: {
    paid: (date) => `Bezahlt am ${date}.`,
    due: (date) => `Fällig am ${date}.`,
    now: 'Fällig bei Erhalt.',
  },
};

const CORRECTS: Record<DocumentLocale, (number: string, date: string) => string> = {
  en: (number, date) => `Corrects invoice ${number} of ${date}.`,
  de: (number, date) => `Korrigiert Rechnung ${number} vom ${date}.`,
};

const CREDIT_TERMS: Record<DocumentLocale, Record<'credit_balance' | 'refund' | 'none', string>> = {
  en: {
    credit_balance: 'Credited to the customer account.',
    refund: 'Refunded to the payment method.',
    none: 'No payment.',
  },
  de: {
    credit_balance: 'Dem Kundenkonto gutgeschrieben.',
    refund: 'Auf das Zahlungsmittel erstattet.',
    none: 'Keine Zahlung.',
  },
};

function day(date: Date, timeZone: string): string {
  return DateTime.fromJSDate(date, { zone: timeZone }).toISODate() as string;
}

function toAddress(address: PostalAddress | null | undefined, country: string): EInvoiceAddress {
  return address
    ? {
        line1: address.line1,
        ...(address.line2 ? { line2: address.line2 } : {}),
        postalCode: address.postalCode,
        city: address.city,
        country: address.country,
      }
    : { country };
}

/** Reverse charge is AE, a positive rate S; at 0 % a sale outside the EU is out of scope (O), else zero-rated (Z). */
function categoryOf(part: Pick<TaxPart, 'rateBp' | 'reverseCharge'>, outsideEu: boolean): VatCategory {
  if (part.reverseCharge) return 'AE';
  if (part.rateBp > 0) return 'S';
  return outsideEu ? 'O' : 'Z';
}

function exemptionReason(category: VatCategory, locale: DocumentLocale): string | undefined {
  if (category === 'AE') return REVERSE_CHARGE_NOTE[locale];
  if (category === 'O') return OUTSIDE_EU_NOTE[locale];
  return undefined;
}

function parties(seller: SellerSettings, customer: Customer) {
  const contact = seller.accounting?.einvoice;
  if (!contact?.contactEmail || !contact.contactPhone) {
    throw new EInvoiceError(
      'An e-invoice names the seller’s contact: set einvoice.contact_email and einvoice.contact_phone ' +
        'with PUT /v1/settings/accounting',
    );
  }
  const sellerParty: EInvoiceModel['seller'] = {
    name: seller.name,
    address: toAddress(seller.address, seller.country),
    ...(seller.vatId ? { vatId: seller.vatId } : {}),
    email: contact.contactEmail,
    contact: {
      name: contact.contactName ?? seller.name,
      phone: contact.contactPhone,
      email: contact.contactEmail,
    },
  };
  const buyer: EInvoiceParty = {
    name: customer.name,
    address: toAddress(customer.address, customer.country),
    ...(customer.vatId ? { vatId: customer.vatId } : {}),
    email: customer.email,
  };
  return { seller: sellerParty, buyer };
}

async function zoneOf(em: EntityManager, invoice: Invoice, seller: SellerSettings): Promise<string> {
  const subscription = invoice.subscription ? await em.findOne(Subscription, invoice.subscription.id) : null;
  return subscription?.timeZone ?? seller.timeZone;
}

/** A finalized invoice as an EN 16931 model: each line at its net (its share of discounts included). */
export async function invoiceEInvoiceModel(em: EntityManager, invoiceId: string): Promise<EInvoiceModel> {
  const invoice = await em.findOneOrFail(Invoice, invoiceId, { refresh: true });
  if (invoice.status === 'draft' || !invoice.number || !invoice.finalizedAt) {
    throw new EInvoiceError(`Invoice ${invoice.id} is a draft and has no document yet`);
  }
  const [customer, seller, rows] = await Promise.all([
    em.findOneOrFail(Customer, invoice.customer.id),
    em.findOneOrFail(SellerSettings, 1),
    em.find(InvoiceLine, { invoice }, { orderBy: { position: 'asc' } }),
  ]);
  const zone = await zoneOf(em, invoice, seller);
  const locale = customer.locale;
  const parts = invoiceTaxParts(invoice.taxes, invoice.total);
  const items = rows.filter((row) => row.kind !== 'discount');
  // Several rates need each line's own rate (recorded since rates per line); one rate needs none.
  const partOf = (row: InvoiceLine): TaxPart | undefined =>
    parts.length === 1 ? parts[0] : parts.find((part) => part.rateBp === row.taxRateBp);
  if (items.some((row) => partOf(row) === undefined)) {
    throw new EInvoiceError(
      `Invoice ${invoice.number} has several VAT rates but its lines do not record theirs`,
    );
  }
  const outsideEu = invoice.notes.some((note) => note.en === OUTSIDE_EU_NOTE.en);
  const nets = lineNetAmounts({
    lines: rows.map((row) => ({
      id: row.id,
      amount: row.amount,
      discount: row.kind === 'discount',
      ...(row.taxRateBp == null ? {} : { taxRateBp: row.taxRateBp }),
    })),
    parts,
  });
  const paidOrCredited = Math.min(invoice.total, invoice.creditApplied + invoice.amountPaid);
  const date = (value: Date) => day(value, zone);
  return {
    kind: 'invoice',
    number: invoice.number,
    issueDate: date(invoice.finalizedAt),
    ...(invoice.dueAt ? { dueDate: date(invoice.dueAt) } : {}),
    currency: invoice.currency,
    buyerReference: customer.buyerReference ?? customer.id,
    ...(invoice.periodStart && invoice.periodEnd
      ? { period: { start: date(invoice.periodStart), end: date(invoice.periodEnd) } }
      : {}),
    ...parties(seller, customer),
    notes: invoiceNotes(invoice.notes, invoice.taxes, locale),
    lines: items.map((row) => ({
      name: row.description,
      quantity: row.quantity,
      net: nets.get(row.id) ?? 0,
      category: categoryOf(partOf(row) as TaxPart, outsideEu),
      rateBp: (partOf(row) as TaxPart).rateBp,
      ...(row.periodStart && row.periodEnd
        ? { period: { start: date(row.periodStart), end: date(row.periodEnd) } }
        : {}),
    })),
    taxes: parts.map((part) => {
      const category = categoryOf(part, outsideEu);
      const reason = exemptionReason(category, locale);
      return {
        category,
        rateBp: part.rateBp,
        taxable: part.taxable,
        tax: part.tax,
        ...(reason ? { exemptionReason: reason } : {}),
      };
    }),
    prepaid: Math.max(paidOrCredited, 0),
    paymentTerms:
      invoice.status === 'paid' && invoice.paidAt
        ? TERMS[locale].paid(date(invoice.paidAt))
        : invoice.dueAt
          ? TERMS[locale].due(date(invoice.dueAt))
          : TERMS[locale].now,
  };
}

/** A credit note as an EN 16931 credit note (type 381): one line per VAT rate, referring to the invoice it corrects. */
export async function creditNoteEInvoiceModel(
  em: EntityManager,
  creditNoteId: string,
): Promise<EInvoiceModel> {
  const document = await loadCreditNoteDocument(em, creditNoteId);
  const { creditNote, lines, invoice, customer, seller } = document;
  const zone = document.input.timeZone;
  const locale = customer.locale;
  const outsideEu = invoice.notes.some((note) => note.en === OUTSIDE_EU_NOTE.en);
  const invoiceNumber = invoice.number ?? invoice.id;
  const categorized = lines.map((line) => ({ line, category: categoryOf(line, outsideEu) }));
  const invoiceDate = day(invoice.finalizedAt ?? invoice.createdAt, zone);
  return {
    kind: 'credit_note',
    number: creditNote.number,
    issueDate: day(creditNote.createdAt, zone),
    currency: creditNote.currency,
    buyerReference: customer.buyerReference ?? customer.id,
    precedingInvoice: { number: invoiceNumber, issueDate: invoiceDate },
    ...parties(seller, customer),
    notes: [CORRECTS[locale](invoiceNumber, invoiceDate), creditNote.reason],
    lines: categorized.map(({ line, category }) => ({
      name: line.description,
      quantity: 1,
      net: line.taxable,
      category,
      rateBp: line.rateBp,
    })),
    taxes: categorized.map(({ line, category }) => ({
      category,
      rateBp: line.rateBp,
      taxable: line.taxable,
      tax: line.tax,
      ...(exemptionReason(category, locale) ? { exemptionReason: exemptionReason(category, locale) } : {}),
    })),
    prepaid: 0,
    paymentTerms: CREDIT_TERMS[locale][creditNote.outcome],
  };
}

/**
 * An invoice's e-invoice as an email attachment: XRechnung XML, or the invoice PDF with the CII XML embedded
 * (ZUGFeRD). The receipt email attaches it for customers whose `invoice_delivery` asks for an e-invoice.
 */
export async function eInvoiceAttachment(
  em: EntityManager,
  invoiceId: string,
  format: EInvoiceFormat,
): Promise<EmailAttachment> {
  const model = await invoiceEInvoiceModel(em, invoiceId);
  const customer = await em.findOneOrFail(Customer, (await em.findOneOrFail(Invoice, invoiceId)).customer.id);
  let pdf: Buffer | undefined;
  if (format === 'zugferd') {
    const invoice = await em.findOneOrFail(Invoice, invoiceId);
    const seller = await em.findOneOrFail(SellerSettings, 1);
    const document = await loadInvoiceDocument(em, invoiceId, await zoneOf(em, invoice, seller));
    pdf = await renderInvoicePdf(document.input);
  }
  const content = await renderEInvoice(model, format, { locale: customer.locale, ...(pdf ? { pdf } : {}) });
  return { ...eInvoiceFile(model.number, format), content };
}

/** The same for a credit note: XRechnung XML, or the credit note's PDF with the XML embedded. */
export async function creditNoteEInvoiceAttachment(
  em: EntityManager,
  creditNoteId: string,
  format: EInvoiceFormat,
): Promise<EmailAttachment> {
  const model = await creditNoteEInvoiceModel(em, creditNoteId);
  const document = await loadCreditNoteDocument(em, creditNoteId);
  const pdf = format === 'zugferd' ? await renderCreditNotePdf(document.input) : undefined;
  const content = await renderEInvoice(model, format, {
    locale: document.customer.locale,
    ...(pdf ? { pdf } : {}),
  });
  return { ...eInvoiceFile(model.number, format), content };
}
