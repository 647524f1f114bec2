import {
  buildDraftInvoice,
  determineTax,
  money,
  OUTSIDE_EU_NOTE,
  percentOff,
  REVERSE_CHARGE_NOTE,
  type DraftInvoiceInput,
  type InvoiceItemInput,
} from '../../../src/domain';
import {
  renderInvoicePdf,
  type InvoicePdfInput,
  type InvoicePdfParty,
} from '../../../src/documents/invoice-pdf';
import { toWinAnsi } from '../../../src/documents/pdf-canvas';
import { extractPdfText } from '../../support/pdf-text';

const seller: InvoicePdfParty = {
  name: 'Rösterei Müller GmbH',
  address: ['Königstraße 1', '70173 Stuttgart', 'Deutschland'],
  vatId: 'DE123456789',
  email: 'rechnung@roesterei-mueller.example',
};
const frenchBusiness: InvoicePdfParty = {
  name: 'Café de la Paix SARL',
  address: ['12 rue de la Paix', '75002 Paris', 'France'],
  vatId: 'FR12345678901',
};
const frenchConsumer: InvoicePdfParty = { name: 'Amélie Poulain', address: ['75018 Paris', 'France'] };

const items: InvoiceItemInput[] = [
  {
    kind: 'subscription',
    description: 'Pro plan',
    amount: money(4900, 'EUR'),
    unitAmount: 4900,
    periodStart: '2027-01-31T00:00:00.000Z',
    periodEnd: '2027-02-28T00:00:00.000Z',
  },
  { kind: 'usage', description: 'Kaffeebohnen, 60 kg gestaffelt', amount: money(4700, 'EUR'), quantity: 60 },
];
const tenPercent = {
  id: 'TEN',
  name: '10 % Rabatt',
  discount: percentOff(10),
  duration: { type: 'forever' as const },
  timesRedeemed: 0,
};

function pdfInput(
  buyer: InvoicePdfParty & { country: string },
  locale: InvoicePdfInput['locale'],
  overrides: Partial<DraftInvoiceInput> = {},
): InvoicePdfInput {
  const draft = buildDraftInvoice({
    currency: 'EUR',
    items,
    coupons: [tenPercent],
    tax: determineTax({ country: 'DE' }, buyer),
    pricesIncludeTax: false,
    creditBalance: money(500, 'EUR'),
    ...overrides,
  });
  return {
    locale,
    timeZone: 'Europe/Berlin',
    seller,
    buyer,
    invoice: {
      ...draft,
      number: '2027-000042',
      issuedAt: '2027-01-31T08:00:00.000Z',
      periodStart: '2027-01-31T00:00:00.000Z',
      periodEnd: '2027-02-28T00:00:00.000Z',
      status: 'paid',
      paidAt: '2027-01-31T08:05:00.000Z',
    },
  };
}

/**
 * pdf.js reports each positioned text run on its own line, and runs of a table row side by side without a
 * separator; wrapped text keeps its space before the break. Joining the lines gives text to match substrings on.
 */
async function pdfText(input: InvoicePdfInput): Promise<string> {
  const { text } = await extractPdfText(await renderInvoicePdf(input));
  return text.replace(/\n/g, '').replace(/\u00a0/g, ' ');
}

describe('invoice PDF', () => {
  test('a German reverse-charge invoice shows number, both VAT ids, the 0 % line, the legal note and the total', async () => {
    const text = await pdfText(pdfInput({ ...frenchBusiness, country: 'FR' }, 'de'));

    expect(text).toContain('Rechnungsnummer2027-000042');
    expect(text).toContain('Rechnungsdatum31. Januar 2027');
    expect(text).toContain('Leistungszeitraum31. Januar 2027 – 28. Februar 2027');
    expect(text).toContain('USt-IdNr. DE123456789');
    expect(text).toContain('USt-IdNr. FR12345678901');
    expect(text).toContain('Pro plan31. Januar 2027 – 28. Februar 2027149,00 €49,00 €');
    expect(text).toContain('Zwischensumme96,00 €');
    expect(text).toContain('10 % Rabatt-9,60 €');
    expect(text).toContain('USt. 0 % (Reverse Charge) auf 86,40 €0,00 €');
    expect(text).toContain('Gesamtbetrag86,40 €');
    expect(text).toContain('Verrechnetes Guthaben-5,00 €');
    expect(text).toContain('Bezahlter Betrag81,40 €');
    expect(text).toContain('ZahlungsstatusBezahlt am 31. Januar 2027');
    expect(text).toContain(REVERSE_CHARGE_NOTE.de);
  });

  test('an English B2C invoice (worked example) shows French VAT 20 % and 98.68 due, without a reverse-charge note', async () => {
    const input = pdfInput({ ...frenchConsumer, country: 'FR' }, 'en');
    const text = await pdfText({
      ...input,
      invoice: { ...input.invoice, status: 'open', paidAt: undefined },
    });

    expect(text).toContain('Invoice number2027-000042');
    expect(text).toContain('Issue dateJanuary 31, 2027');
    expect(text).toContain('VAT ID DE123456789');
    expect(text).toContain('Subtotal€96.00');
    expect(text).toContain('VAT 20% on €86.40€17.28');
    expect(text).toContain('Total€103.68');
    expect(text).toContain('Credit applied-€5.00');
    expect(text).toContain('Amount due€98.68');
    expect(text).toContain('Payment statusOpen');
    expect(text).not.toContain('Reverse charge');
  });

  test('the reverse-charge note is printed even when the caller passes no notes, and only once', async () => {
    const input = pdfInput({ ...frenchBusiness, country: 'FR' }, 'en');
    const text = await pdfText({ ...input, invoice: { ...input.invoice, notes: [] } });

    expect(text.split(REVERSE_CHARGE_NOTE.en)).toHaveLength(2);
  });

  test('other notes from the invoice are printed in the locale', async () => {
    const text = await pdfText(pdfInput({ name: 'ACME Inc.', address: ['New York'], country: 'US' }, 'de'));

    expect(text).toContain(OUTSIDE_EU_NOTE.de);
    expect(text).not.toContain('Reverse Charge');
  });

  test("a German invoice with two rates names each line's rate and shows the VAT of each rate on its own net", async () => {
    const germanConsumer = { name: 'Erika Mustermann', address: ['10115 Berlin'], country: 'DE' };
    const input = pdfInput(germanConsumer, 'de', {
      items: [
        {
          kind: 'subscription',
          description: 'Kaffeebohnen',
          amount: money(3000, 'EUR'),
          taxCategory: 'reduced',
        },
        {
          kind: 'subscription',
          description: 'Mühlen-Abo',
          amount: money(2000, 'EUR'),
          taxCategory: 'standard',
        },
      ],
      creditBalance: money(0, 'EUR'),
    });
    const text = await pdfText(input);

    // The 10 % discount (5,00 €) splits 2:3 over the rates: 19 % on 18,00 €, 7 % on 27,00 €.
    expect(text).toContain('KaffeebohnenUSt. 7 %130,00 €');
    expect(text).toContain('Mühlen-AboUSt. 19 %120,00 €');
    expect(text).toContain('USt. 19 % auf 18,00 €3,42 €');
    expect(text).toContain('USt. 7 % auf 27,00 €1,89 €');
    expect(text).toContain('Gesamtbetrag50,31 €');
  });

  test('umlauts, ß and the euro sign survive Helvetica; letters outside WinAnsi degrade to their base letter or ?', async () => {
    const input = pdfInput({ ...frenchBusiness, country: 'FR' }, 'de');
    const text = await pdfText({
      ...input,
      buyer: { ...frenchBusiness, name: 'Łódź Dvořák Sp. z o.o. 東京' },
    });

    expect(text).toContain('Rösterei Müller GmbHKönigstraße 1');
    expect(text).toContain('Rechnungsempfänger');
    expect(text).toContain('€');
    expect(text).toContain('Lódz Dvorák Sp. z o.o. ??');
    expect(toWinAnsi('Grüße – „Zoë“ € ½\u202f%')).toBe('Grüße – „Zoë“ € ½\u00a0%');
  });

  test('the same invoice renders to identical bytes, dated by its issue date', async () => {
    const input = pdfInput({ ...frenchBusiness, country: 'FR' }, 'de');
    const [first, second] = await Promise.all([renderInvoicePdf(input), renderInvoicePdf(input)]);
    const { info } = await extractPdfText(first);

    expect(first.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(first.equals(second)).toBe(true);
    expect(info).toMatchObject({ CreationDate: 'D:20270131080000Z', Title: 'Rechnung 2027-000042' });
  });

  test('a long invoice breaks across pages and numbers them', async () => {
    const many = Array.from({ length: 80 }, (_, index): InvoiceItemInput => ({
      kind: 'usage',
      description: `Sorte ${index + 1}`,
      amount: money(700, 'EUR'),
      quantity: 2,
      unitAmount: 350,
    }));
    const pdf = await renderInvoicePdf(pdfInput({ ...frenchBusiness, country: 'FR' }, 'en', { items: many }));
    const { numpages, text } = await extractPdfText(pdf);

    expect(numpages).toBeGreaterThan(1);
    expect(text).toContain(`Invoice 2027-000042 · Page ${numpages} of ${numpages}`);
    expect(text).toContain('Sorte 80');
    expect(text.replace(/\u00a0/g, ' ')).toContain('Total€504.00');
  });

  test('an unparseable date or unknown time zone rejects instead of printing a wrong date', async () => {
    const input = pdfInput({ ...frenchBusiness, country: 'FR' }, 'en');

    await expect(
      renderInvoicePdf({ ...input, invoice: { ...input.invoice, issuedAt: 'soon' } }),
    ).rejects.toThrow(RangeError);
    await expect(renderInvoicePdf({ ...input, timeZone: 'Mars/Olympus' })).rejects.toThrow(RangeError);
  });
});
