import {
  creditNotePdfFilename,
  renderCreditNotePdf,
  type CreditNotePdfInput,
} from '../../../src/documents/credit-note-pdf';
import { extractPdfText } from '../../support/pdf-text';

const base: CreditNotePdfInput = {
  locale: 'de',
  timeZone: 'Europe/Berlin',
  seller: {
    name: 'Rösterei Müller GmbH',
    address: ['Königstraße 1', '70173 Stuttgart'],
    vatId: 'DE123456789',
  },
  buyer: { name: 'Jürgen Weiß', address: ['Marktplatz 3', '80331 München'], email: 'juergen@example.test' },
  creditNote: {
    number: 'CN-2027-000007',
    issuedAt: '2027-02-10T10:00:00.000Z',
    currency: 'EUR',
    // 10.00 credited on an invoice of 19.00 + 19 % = 22.61: 8.40 net + 1.60 VAT.
    amount: 1000,
    reason: 'Ausfall am 3. Februar',
    outcome: 'refund',
    lines: [{ rateBp: 1900, taxable: 840, tax: 160, reverseCharge: false }],
  },
  invoice: { number: '2027-000042', issuedAt: '2027-01-31T08:00:00.000Z' },
};

const plain = (text: string) => text.replace(/\u00a0/g, ' ');

describe('credit note PDF', () => {
  it('shows its number, the corrected invoice’s number and the VAT split, in German', async () => {
    const { text } = await extractPdfText(await renderCreditNotePdf(base));
    const page = plain(text);
    expect(page).toContain('Rechnungskorrektur');
    expect(page).toContain('CN-2027-000007');
    expect(page).toContain('Korrigiert Rechnung');
    expect(page).toContain('2027-000042');
    expect(page).toContain('31. Januar 2027');
    expect(page).toContain('Ausfall am 3. Februar');
    // The split: net 8,40 €, 19 %, VAT 1,60 €, total 10,00 €.
    expect(page).toContain('Korrektur zu Rechnung 2027-000042');
    // The line: net, rate, VAT, gross.
    expect(page).toContain('8,40 €19 %1,60 €10,00 €');
    expect(page).toContain('Netto korrigiert8,40 €');
    expect(page).toContain('USt. 19 % auf 8,40 €1,60 €');
    expect(page).toContain('Gesamtbetrag der Korrektur10,00 €');
    expect(page).toContain('Der Betrag wurde auf Ihr Zahlungsmittel erstattet.');
  });

  it('in English, with a line per rate and the reverse-charge note where the invoice had one', async () => {
    const { text } = await extractPdfText(
      await renderCreditNotePdf({
        ...base,
        locale: 'en',
        creditNote: {
          ...base.creditNote,
          amount: 4000,
          outcome: 'credit_balance',
          lines: [{ rateBp: 0, taxable: 4000, tax: 0, reverseCharge: true }],
        },
      }),
    );
    const page = plain(text);
    expect(page).toContain('Credit note');
    expect(page).toContain('CN-2027-000007');
    expect(page).toContain('Corrects invoice');
    expect(page).toContain('Credit for invoice 2027-000042');
    expect(page).toContain('€40.000%€0.00€40.00');
    expect(page).toContain('Total credited€40.00');
    expect(page).toContain('Reverse charge');
    expect(page).toContain('credited to your customer account');
  });

  it('is named in the customer’s language', () => {
    expect(creditNotePdfFilename('CN-2027-000007', 'de')).toBe('Rechnungskorrektur-CN-2027-000007.pdf');
    expect(creditNotePdfFilename('CN-2027-000007', 'en')).toBe('Credit note-CN-2027-000007.pdf');
  });
});
