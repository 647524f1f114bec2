import { renderCreditNotePdf } from '../../../src/documents/credit-note-pdf';
import { percentFromBp, renderEInvoice, type EInvoiceModel } from '../../../src/documents/einvoice';
import { renderInvoicePdf } from '../../../src/documents/invoice-pdf';
import { REVERSE_CHARGE_NOTE } from '../../../src/domain/tax';
import { embeddedFacturXml, validateCii, validateUbl } from '../../support/einvoice-validation';

const seller: EInvoiceModel['seller'] = {
  name: 'Rösterei Müller GmbH',
  address: { line1: 'Königstraße 1', postalCode: '70173', city: 'Stuttgart', country: 'DE' },
  vatId: 'DE123456789',
  email: 'rechnung@roesterei.example',
  contact: { name: 'Buchhaltung', phone: '+49 711 123456', email: 'rechnung@roesterei.example' },
};

/** 19.00 + 5.00 with 10 % off: nets 17.10 + 4.50 = 21.60, VAT 19 % 4.10, total 25.70, paid in full. */
const domestic: EInvoiceModel = {
  kind: 'invoice',
  number: '2027-000042',
  issueDate: '2027-01-31',
  currency: 'EUR',
  buyerReference: 'cus_4711',
  period: { start: '2027-01-31', end: '2027-02-28' },
  seller,
  buyer: {
    name: 'Kaffeehaus Süd GmbH',
    address: { line1: 'Marktplatz 3', postalCode: '80331', city: 'München', country: 'DE' },
    vatId: 'DE987654321',
    email: 'einkauf@kaffeehaus.example',
  },
  notes: [],
  lines: [
    { name: 'Pro plan', quantity: 1, net: 1710, category: 'S', rateBp: 1900 },
    { name: 'Extra seat', quantity: 3, net: 450, category: 'S', rateBp: 1900 },
    { name: 'Unused time on Basic', quantity: 1, net: -0, category: 'S', rateBp: 1900 },
  ],
  taxes: [{ category: 'S', rateBp: 1900, taxable: 2160, tax: 410 }],
  prepaid: 2570,
  paymentTerms: 'Bezahlt am 31. Januar 2027.',
};

const reverseCharge: EInvoiceModel = {
  ...domestic,
  number: '2027-000043',
  buyer: {
    name: 'Café de la Paix SARL',
    address: { line1: '12 rue de la Paix', postalCode: '75002', city: 'Paris', country: 'FR' },
    vatId: 'FR12345678901',
    email: 'compta@cafe.example',
  },
  notes: [REVERSE_CHARGE_NOTE.de],
  lines: [
    { name: 'Pro plan', quantity: 1, net: 4900, category: 'AE', rateBp: 0 },
    { name: 'Unused time on Basic', quantity: 1, net: -1200, category: 'AE', rateBp: 0 },
  ],
  taxes: [{ category: 'AE', rateBp: 0, taxable: 3700, tax: 0, exemptionReason: REVERSE_CHARGE_NOTE.de }],
  prepaid: 0,
  paymentTerms: 'Fällig bei Erhalt.',
};

const creditNote: EInvoiceModel = {
  ...domestic,
  kind: 'credit_note',
  number: 'CN-2027-000007',
  issueDate: '2027-02-10',
  precedingInvoice: { number: '2027-000042', issueDate: '2027-01-31' },
  notes: ['Service outage'],
  lines: [{ name: 'Credit for invoice 2027-000042', quantity: 1, net: 840, category: 'S', rateBp: 1900 }],
  taxes: [{ category: 'S', rateBp: 1900, taxable: 840, tax: 160 }],
  prepaid: 0,
  paymentTerms: 'Auf das Zahlungsmittel erstattet.',
};

function text(buffer: Buffer): string {
  return buffer.toString('utf8');
}

describe('EN 16931 e-invoices', () => {
  it('writes rates as exact decimal percentages', () => {
    expect(percentFromBp(1900)).toBe('19');
    expect(percentFromBp(810)).toBe('8.1');
    expect(percentFromBp(0)).toBe('0');
    expect(percentFromBp(2550)).toBe('25.5');
  });

  it('XRechnung CII of a discounted domestic invoice is valid CII D16B and carries its totals', async () => {
    const xml = text(await renderEInvoice(domestic, 'xrechnung-cii', { locale: 'de' }));
    expect(await validateCii(xml)).toEqual({ valid: true, errors: [] });
    expect(xml).toContain('urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0');
    expect(xml).toContain('<ram:TaxBasisTotalAmount>21.60</ram:TaxBasisTotalAmount>');
    expect(xml).toMatch(/<ram:TaxTotalAmount currencyID="EUR">4.10<\/ram:TaxTotalAmount>/);
    expect(xml).toContain('<ram:GrandTotalAmount>25.70</ram:GrandTotalAmount>');
    expect(xml).toContain('<ram:DuePayableAmount>0.00</ram:DuePayableAmount>');
  });

  it('XRechnung UBL of a reverse-charge invoice with a credit line is a valid UBL 2.1 Invoice', async () => {
    const xml = text(await renderEInvoice(reverseCharge, 'xrechnung-ubl', { locale: 'de' }));
    expect(await validateUbl(xml, 'Invoice')).toEqual({ valid: true, errors: [] });
    expect(xml).toContain('<cbc:TaxExemptionReasonCode>VATEX-EU-AE</cbc:TaxExemptionReasonCode>');
    // The credit line: a negative quantity at a positive price.
    expect(xml).toMatch(/<cbc:InvoicedQuantity unitCode="C62">-1<\/cbc:InvoicedQuantity>/);
    expect(xml).toContain('<cbc:PayableAmount currencyID="EUR">37.00</cbc:PayableAmount>');
  });

  it('a credit note is a valid UBL 2.1 CreditNote and a valid CII document, both naming the corrected invoice', async () => {
    const ubl = text(await renderEInvoice(creditNote, 'xrechnung-ubl', { locale: 'de' }));
    expect(await validateUbl(ubl, 'CreditNote')).toEqual({ valid: true, errors: [] });
    expect(ubl).toContain('<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>');
    expect(ubl).toMatch(/<cac:InvoiceDocumentReference>\s*<cbc:ID>2027-000042<\/cbc:ID>/);
    const cii = text(await renderEInvoice(creditNote, 'xrechnung-cii', { locale: 'de' }));
    expect(await validateCii(cii)).toEqual({ valid: true, errors: [] });
    expect(cii).toContain('<ram:TypeCode>381</ram:TypeCode>');
    expect(cii).toMatch(/<ram:InvoiceReferencedDocument>\s*<ram:IssuerAssignedID>2027-000042</);
  });

  it('ZUGFeRD embeds valid CII in the invoice’s and the credit note’s own PDFs', async () => {
    const invoicePdf = await renderInvoicePdf({
      locale: 'de',
      timeZone: 'Europe/Berlin',
      seller: { name: seller.name, address: ['Königstraße 1', '70173 Stuttgart'] },
      buyer: { name: domestic.buyer.name, address: [] },
      invoice: {
        number: domestic.number,
        issuedAt: '2027-01-31T08:00:00.000Z',
        periodStart: '2027-01-31T00:00:00.000Z',
        periodEnd: '2027-02-28T00:00:00.000Z',
        currency: 'EUR',
        lines: [],
        taxes: [],
        subtotal: 2400,
        total: 2570,
        creditApplied: 0,
        amountDue: 2570,
        status: 'paid',
        notes: [],
      },
    });
    const zugferd = await renderEInvoice(domestic, 'zugferd', { locale: 'de', pdf: invoicePdf });
    expect(zugferd.subarray(0, 5).toString()).toBe('%PDF-');
    const xml = embeddedFacturXml(zugferd);
    expect(await validateCii(xml)).toEqual({ valid: true, errors: [] });
    expect(xml).toContain('urn:cen.eu:en16931:2017');

    const creditPdf = await renderCreditNotePdf({
      locale: 'de',
      timeZone: 'Europe/Berlin',
      seller: { name: seller.name, address: [] },
      buyer: { name: domestic.buyer.name, address: [] },
      creditNote: {
        number: creditNote.number,
        issuedAt: '2027-02-10T10:00:00.000Z',
        currency: 'EUR',
        amount: 1000,
        reason: 'Service outage',
        outcome: 'refund',
        lines: [{ rateBp: 1900, taxable: 840, tax: 160, reverseCharge: false }],
      },
      invoice: { number: '2027-000042', issuedAt: '2027-01-31T08:00:00.000Z' },
    });
    const creditXml = embeddedFacturXml(
      await renderEInvoice(creditNote, 'zugferd', { locale: 'de', pdf: creditPdf }),
    );
    expect(await validateCii(creditXml)).toEqual({ valid: true, errors: [] });
    expect(creditXml).toContain('<ram:TypeCode>381</ram:TypeCode>');
  });
});
