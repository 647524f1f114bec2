import { InvoiceService, type Invoice as EInvoice } from '@e-invoice-eu/core';
import { money, toDecimalString } from '../domain/money';
import type { DocumentLocale } from './format';

/**
 * EN 16931 e-invoices through `@e-invoice-eu/core`: XRechnung 3.0 as CII or UBL XML, and ZUGFeRD/Factur-X (profile
 * EN 16931) as the document's own PDF with the CII XML embedded. The model below is Perennial's view of a finalized
 * invoice or credit note; this module only maps it to the library's UBL-shaped input, amounts as exact decimals.
 */
export const EINVOICE_FORMATS = ['xrechnung-cii', 'xrechnung-ubl', 'zugferd'] as const;
export type EInvoiceFormat = (typeof EINVOICE_FORMATS)[number];

/** EN 16931 VAT category codes (UNTDID 5305) Perennial issues. */
export type VatCategory = 'S' | 'Z' | 'AE' | 'O';

export type EInvoiceAddress = {
  line1?: string;
  line2?: string;
  postalCode?: string;
  city?: string;
  country: string;
};

export type EInvoiceParty = {
  name: string;
  address: EInvoiceAddress;
  vatId?: string;
  /** The electronic address (BT-34/BT-49), an email address here (scheme `EM`). */
  email: string;
};

export type EInvoiceLine = {
  name: string;
  quantity: number;
  /** Net after the line's share of the invoice's discounts, signed (a proration credit is negative). */
  net: number;
  category: VatCategory;
  rateBp: number;
  period?: { start: string; end: string };
};

export type EInvoiceTax = {
  category: VatCategory;
  rateBp: number;
  taxable: number;
  tax: number;
  /** Required for AE and O (BR-AE-10, BR-O-10): the legal note the invoice carries. */
  exemptionReason?: string;
};

export type EInvoiceModel = {
  kind: 'invoice' | 'credit_note';
  number: string;
  /** Calendar dates (`YYYY-MM-DD`) in the seller's zone. */
  issueDate: string;
  dueDate?: string;
  currency: string;
  /** BT-10, mandatory in XRechnung: a Leitweg-ID for public buyers, the customer's own reference otherwise. */
  buyerReference: string;
  period?: { start: string; end: string };
  precedingInvoice?: { number: string; issueDate: string };
  seller: EInvoiceParty & { contact: { name: string; phone: string; email: string } };
  buyer: EInvoiceParty;
  notes: string[];
  lines: EInvoiceLine[];
  taxes: EInvoiceTax[];
  /** What is already paid, customer credit included (BT-113). */
  prepaid: number;
  paymentTerms: string;
};

export class EInvoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EInvoiceError';
  }
}

const LIBRARY_FORMAT: Record<EInvoiceFormat, string> = {
  'xrechnung-cii': 'XRECHNUNG-CII',
  'xrechnung-ubl': 'XRECHNUNG-UBL',
  zugferd: 'Factur-X-EN16931',
};

type Ubl = EInvoice['ubl:Invoice'];
type CurrencyCode = Ubl['cbc:DocumentCurrencyCode'];

/** A percentage from basis points as a decimal string (1900 → "19", 810 → "8.1"), from digits, never floats. */
export function percentFromBp(rateBp: number): string {
  const digits = String(rateBp).padStart(3, '0');
  const whole = digits.slice(0, -2);
  const fraction = digits.slice(-2).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function taxCategory(category: VatCategory, rateBp: number) {
  return {
    'cbc:ID': category,
    // Category O (outside the scope of VAT) carries no rate (BR-O-5).
    ...(category === 'O' ? {} : { 'cbc:Percent': percentFromBp(rateBp) }),
    'cac:TaxScheme': { 'cbc:ID': 'VAT' },
  };
}

function address(value: EInvoiceAddress) {
  return {
    ...(value.line1 ? { 'cbc:StreetName': value.line1 } : {}),
    ...(value.line2 ? { 'cbc:AdditionalStreetName': value.line2 } : {}),
    ...(value.city ? { 'cbc:CityName': value.city } : {}),
    ...(value.postalCode ? { 'cbc:PostalZone': value.postalCode } : {}),
    'cac:Country': { 'cbc:IdentificationCode': value.country },
  };
}

/** The library's input: a UBL invoice as JSON; type code 381 makes it a UBL CreditNote / CII credit note. */
export function toLibraryInvoice(model: EInvoiceModel): EInvoice {
  const currency = model.currency as CurrencyCode;
  const amount = (value: number) => toDecimalString(money(value, model.currency));
  const lineTotal = model.lines.reduce((acc, line) => acc + line.net, 0);
  const taxTotal = model.taxes.reduce((acc, tax) => acc + tax.tax, 0);
  const total = lineTotal + taxTotal;
  if (model.lines.length === 0) throw new EInvoiceError(`${model.number} has no lines`);
  const lines = model.lines.map((line, index) => {
    // Prices are never negative (BR-27): a credit line has a negative quantity instead. The price is given for the
    // whole quantity (base quantity = quantity), so quantity × price / base quantity is the net exactly.
    const base = Math.max(Math.abs(line.quantity), 1);
    const quantity = line.net < 0 ? -base : base;
    return {
      'cbc:ID': String(index + 1),
      'cbc:InvoicedQuantity': String(quantity),
      'cbc:InvoicedQuantity@unitCode': 'C62',
      'cbc:LineExtensionAmount': amount(line.net),
      'cbc:LineExtensionAmount@currencyID': currency,
      ...(line.period
        ? { 'cac:InvoicePeriod': { 'cbc:StartDate': line.period.start, 'cbc:EndDate': line.period.end } }
        : {}),
      'cac:Item': {
        'cbc:Name': line.name,
        'cac:ClassifiedTaxCategory': taxCategory(line.category, line.rateBp),
      },
      'cac:Price': {
        'cbc:PriceAmount': amount(Math.abs(line.net)),
        'cbc:PriceAmount@currencyID': currency,
        'cbc:BaseQuantity': String(base),
        'cbc:BaseQuantity@unitCode': 'C62',
      },
    };
  }) as Ubl['cac:InvoiceLine'];
  const party = (who: EInvoiceParty) => ({
    'cbc:EndpointID': who.email,
    'cbc:EndpointID@schemeID': 'EM',
    'cac:PartyName': { 'cbc:Name': who.name },
    'cac:PostalAddress': address(who.address),
    ...(who.vatId
      ? { 'cac:PartyTaxScheme': [{ 'cbc:CompanyID': who.vatId, 'cac:TaxScheme': { 'cbc:ID': 'VAT' } }] }
      : {}),
    'cac:PartyLegalEntity': { 'cbc:RegistrationName': who.name },
  });
  const invoice: Ubl = {
    'cbc:ID': model.number,
    'cbc:IssueDate': model.issueDate,
    ...(model.dueDate && model.kind === 'invoice' ? { 'cbc:DueDate': model.dueDate } : {}),
    'cbc:InvoiceTypeCode': model.kind === 'invoice' ? '380' : '381',
    ...(model.notes.length > 0 ? { 'cbc:Note': model.notes } : {}),
    'cbc:DocumentCurrencyCode': currency,
    'cbc:BuyerReference': model.buyerReference,
    ...(model.period
      ? { 'cac:InvoicePeriod': { 'cbc:StartDate': model.period.start, 'cbc:EndDate': model.period.end } }
      : {}),
    ...(model.precedingInvoice
      ? {
          'cac:BillingReference': [
            {
              'cac:InvoiceDocumentReference': {
                'cbc:ID': model.precedingInvoice.number,
                'cbc:IssueDate': model.precedingInvoice.issueDate,
              },
            },
          ],
        }
      : {}),
    'cac:AccountingSupplierParty': {
      'cac:Party': {
        ...party(model.seller),
        'cac:Contact': {
          'cbc:Name': model.seller.contact.name,
          'cbc:Telephone': model.seller.contact.phone,
          'cbc:ElectronicMail': model.seller.contact.email,
        },
      },
    },
    'cac:AccountingCustomerParty': {
      'cac:Party': {
        ...party(model.buyer),
        ...(model.buyer.vatId
          ? {
              'cac:PartyTaxScheme': {
                'cbc:CompanyID': model.buyer.vatId,
                'cac:TaxScheme': { 'cbc:ID': 'VAT' },
              },
            }
          : {}),
      },
    },
    // CII requires the delivery block; the date of the supply is the end of the billed period or the issue date.
    'cac:Delivery': { 'cbc:ActualDeliveryDate': model.period?.end ?? model.issueDate },
    // 54: the seller collects by card through its payment provider (UNTDID 4461).
    'cac:PaymentMeans': [{ 'cbc:PaymentMeansCode': '54', 'cbc:PaymentID': model.number }],
    'cac:PaymentTerms': { 'cbc:Note': model.paymentTerms },
    'cac:TaxTotal': [
      {
        'cbc:TaxAmount': amount(taxTotal),
        'cbc:TaxAmount@currencyID': currency,
        'cac:TaxSubtotal': model.taxes.map((tax) => ({
          'cbc:TaxableAmount': amount(tax.taxable),
          'cbc:TaxableAmount@currencyID': currency,
          'cbc:TaxAmount': amount(tax.tax),
          'cbc:TaxAmount@currencyID': currency,
          'cac:TaxCategory': {
            ...taxCategory(tax.category, tax.rateBp),
            ...(tax.category === 'AE' ? { 'cbc:TaxExemptionReasonCode': 'VATEX-EU-AE' } : {}),
            ...(tax.category === 'O' ? { 'cbc:TaxExemptionReasonCode': 'VATEX-EU-O' } : {}),
            ...(tax.exemptionReason ? { 'cbc:TaxExemptionReason': tax.exemptionReason } : {}),
          },
        })),
      },
    ] as Ubl['cac:TaxTotal'],
    'cac:LegalMonetaryTotal': {
      'cbc:LineExtensionAmount': amount(lineTotal),
      'cbc:LineExtensionAmount@currencyID': currency,
      'cbc:TaxExclusiveAmount': amount(lineTotal),
      'cbc:TaxExclusiveAmount@currencyID': currency,
      'cbc:TaxInclusiveAmount': amount(total),
      'cbc:TaxInclusiveAmount@currencyID': currency,
      ...(model.prepaid !== 0
        ? { 'cbc:PrepaidAmount': amount(model.prepaid), 'cbc:PrepaidAmount@currencyID': currency }
        : {}),
      'cbc:PayableAmount': amount(total - model.prepaid),
      'cbc:PayableAmount@currencyID': currency,
    },
    'cac:InvoiceLine': lines,
  } as Ubl;
  return { 'ubl:Invoice': invoice };
}

const LANGUAGE: Record<DocumentLocale, string> = { de: 'de-de', en: 'en-us' };

const escapeXml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The preceding invoice (BG-3) in CII. The library maps it from the wrong UBL path and with the wrong date element,
 * so the CII output gets it here, where D16B's header settlement sequence expects it: right after the monetary
 * summation. (Inside a ZUGFeRD PDF the reference travels in the notes only.)
 */
function withCiiPrecedingInvoice(xml: string, preceding: { number: string; issueDate: string }): string {
  const anchor = '</ram:SpecifiedTradeSettlementHeaderMonetarySummation>';
  const at = xml.indexOf(anchor);
  if (at < 0) throw new EInvoiceError('CII output has no monetary summation to anchor the invoice reference');
  const reference =
    '<ram:InvoiceReferencedDocument>' +
    `<ram:IssuerAssignedID>${escapeXml(preceding.number)}</ram:IssuerAssignedID>` +
    '<ram:FormattedIssueDateTime>' +
    `<qdt:DateTimeString format="102">${preceding.issueDate.replace(/-/g, '')}</qdt:DateTimeString>` +
    '</ram:FormattedIssueDateTime>' +
    '</ram:InvoiceReferencedDocument>';
  return xml.slice(0, at + anchor.length) + reference + xml.slice(at + anchor.length);
}

const quietLogger = { log: () => {}, warn: () => {}, error: () => {} };

/**
 * Renders the e-invoice. XRechnung formats give the XML; ZUGFeRD needs the document's PDF, into which the CII XML
 * is embedded as `factur-x.xml` with the Factur-X metadata.
 */
export async function renderEInvoice(
  model: EInvoiceModel,
  format: EInvoiceFormat,
  options: { locale: DocumentLocale; pdf?: Buffer },
): Promise<Buffer> {
  const service = new InvoiceService(quietLogger);
  if (format === 'zugferd' && !options.pdf)
    throw new EInvoiceError('ZUGFeRD needs the PDF to embed the XML in');
  try {
    const output = await service.generate(toLibraryInvoice(model), {
      format: LIBRARY_FORMAT[format],
      lang: LANGUAGE[options.locale],
      noWarnings: true,
      ...(format === 'zugferd' && options.pdf
        ? {
            pdf: {
              buffer: new Uint8Array(options.pdf),
              filename: `${model.number}.pdf`,
              mimetype: 'application/pdf',
            },
          }
        : {}),
    });
    if (typeof output !== 'string') return Buffer.from(output);
    const xml =
      format === 'xrechnung-cii' && model.precedingInvoice
        ? withCiiPrecedingInvoice(output, model.precedingInvoice)
        : output;
    return Buffer.from(xml, 'utf8');
  } catch (error) {
    if (error instanceof EInvoiceError) throw error;
    throw new EInvoiceError(`${model.number}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** File name and media type of the rendered e-invoice. */
export function eInvoiceFile(
  number: string,
  format: EInvoiceFormat,
): { filename: string; contentType: string } {
  const safe = number.replace(/[^0-9A-Za-z_-]/g, '_');
  return format === 'zugferd'
    ? { filename: `${safe}-zugferd.pdf`, contentType: 'application/pdf' }
    : { filename: `${safe}-${format}.xml`, contentType: 'application/xml' };
}
