import PostalMime from 'postal-mime';
import { startSmtpCatcher, type SmtpCatcher } from '../../../src/dev/smtp-catcher';
import {
  invoicePdfFilename,
  renderInvoicePdf,
  type InvoicePdfInput,
  type InvoicePdfParty,
} from '../../../src/documents/invoice-pdf';
import {
  buildDraftInvoice,
  determineTax,
  money,
  percentOff,
  REVERSE_CHARGE_NOTE,
  type TaxParty,
} from '../../../src/domain';
import { createMailer, type Mailer } from '../../../src/mail/mailer';
import { renderEmail, type EmailLocale } from '../../../src/mail/templates';
import { extractPdfText } from '../../support/pdf-text';

const seller: InvoicePdfParty = {
  name: 'Rösterei Müller GmbH',
  address: ['Königstraße 1', '70173 Stuttgart', 'Deutschland'],
  vatId: 'DE123456789',
};

type Customer = InvoicePdfParty & TaxParty & { email: string; locale: EmailLocale };

/** Pro plan 49.00 + usage 47.00, 10 % off, 5.00 credit: the domain's worked example with the customer's tax. */
function invoiceFor(customer: Customer, number: string): InvoicePdfInput {
  const draft = buildDraftInvoice({
    currency: 'EUR',
    items: [
      { kind: 'subscription', description: 'Pro plan', amount: money(4900, 'EUR') },
      { kind: 'usage', description: 'Kaffeebohnen', amount: money(4700, 'EUR'), quantity: 60 },
    ],
    coupons: [
      {
        id: 'TEN',
        name: '10 % off',
        discount: percentOff(10),
        duration: { type: 'forever' },
        timesRedeemed: 0,
      },
    ],
    tax: determineTax({ country: 'DE' }, customer),
    pricesIncludeTax: false,
    creditBalance: money(500, 'EUR'),
  });
  return {
    locale: customer.locale,
    timeZone: 'Europe/Berlin',
    seller,
    buyer: customer,
    invoice: {
      ...draft,
      number,
      issuedAt: '2027-01-31T08:00:00.000Z',
      periodStart: '2027-01-31T00:00:00.000Z',
      periodEnd: '2027-02-28T00:00:00.000Z',
      status: 'paid',
      paidAt: '2027-01-31T08:05:00.000Z',
    },
  };
}

async function sendReceipt(mailer: Mailer, customer: Customer, number: string): Promise<void> {
  const input = invoiceFor(customer, number);
  const pdf = await renderInvoicePdf(input);
  const email = renderEmail('receipt', customer.locale, {
    customerName: customer.name,
    sellerName: seller.name,
    timeZone: input.timeZone,
    invoice: input.invoice,
    paidAt: '2027-01-31T08:05:00.000Z',
    periodStart: input.invoice.periodStart,
    periodEnd: input.invoice.periodEnd,
    pdfAttached: true,
  });
  await mailer.send({
    to: customer.email,
    ...email,
    attachments: [
      { filename: invoicePdfFilename(number, customer.locale), content: pdf, contentType: 'application/pdf' },
    ],
  });
}

/** Amounts are separated from the currency sign by a no-break space; matching reads better with a plain one. */
function plain(text: string | undefined): string {
  return (text ?? '').replace(/\u00a0/g, ' ');
}

async function receivedMail(catcher: SmtpCatcher, to: string) {
  const message = catcher.messages().find((candidate) => candidate.envelopeTo.includes(to));
  if (!message) throw new Error(`no message to ${to}`);
  const email = await PostalMime.parse(message.raw);
  const [attachment, ...others] = email.attachments;
  if (!attachment || others.length > 0)
    throw new Error(`expected one attachment, got ${email.attachments.length}`);
  if (typeof attachment.content === 'string') throw new Error('expected binary attachment content');
  const pdf = Buffer.from(
    attachment.content instanceof ArrayBuffer ? new Uint8Array(attachment.content) : attachment.content,
  );
  const { text } = await extractPdfText(pdf);
  return { email, attachment, pdfText: plain(text.replace(/\n/g, '')) };
}

describe('receipt email with the invoice PDF over a real SMTP server', () => {
  let catcher: SmtpCatcher;
  let mailer: Mailer;
  const german: Customer = {
    name: 'Jürgen Weiß',
    email: 'jürgen@example.test',
    locale: 'de',
    country: 'DE',
    address: ['Schloßallee 7', '10117 Berlin', 'Deutschland'],
  };
  const frenchBusiness: Customer = {
    name: 'Café de la Paix SARL',
    email: 'billing@cafe.example.test',
    locale: 'en',
    country: 'FR',
    vatId: 'FR12345678901',
    address: ['12 rue de la Paix', '75002 Paris', 'France'],
  };

  beforeAll(async () => {
    catcher = await startSmtpCatcher();
    mailer = createMailer(catcher.smtpUrl, 'Rösterei Müller <billing@example.test>');
    await sendReceipt(mailer, german, '2027-000042');
    await sendReceipt(mailer, frenchBusiness, '2027-000043');
    await catcher.waitForMessages(2);
  });

  afterAll(async () => {
    mailer?.close();
    await catcher?.close();
  });

  test('a German customer gets a German receipt with German VAT 19 % and amounts, and the PDF reads the same', async () => {
    const { email, attachment, pdfText } = await receivedMail(catcher, german.email);

    expect(email.subject).toBe('Zahlungsbestätigung für Rechnung 2027-000042');
    expect(plain(email.text)).toContain(
      'vielen Dank für Ihre Zahlung über 97,82 € zu Rechnung 2027-000042, eingegangen am 31. Januar 2027.',
    );
    expect(plain(email.text)).toMatch(/USt\. 19 % auf 86,40 € +16,42 €/);
    expect(plain(email.text)).toMatch(/Gesamtbetrag +102,82 €/);
    expect(plain(email.html)).toContain(
      '<td style="padding:6px 0;vertical-align:top;">USt. 19 % auf 86,40 €</td>',
    );
    expect(email.text).toContain('Die Rechnung finden Sie als PDF im Anhang.');
    expect(email.text).not.toContain('€97.82');

    expect(attachment).toMatchObject({ filename: 'Rechnung-2027-000042.pdf', mimeType: 'application/pdf' });
    expect(pdfText).toContain('Rechnungsnummer2027-000042');
    expect(pdfText).toContain('Gesamtbetrag102,82 €');
    expect(pdfText).toContain('Bezahlter Betrag97,82 €');
    expect(pdfText).toContain('USt-IdNr. DE123456789');
  });

  test('an English reverse-charge customer gets an English receipt and a PDF with both VAT ids and the note', async () => {
    const { email, attachment, pdfText } = await receivedMail(catcher, frenchBusiness.email);

    expect(email.subject).toBe('Receipt for invoice 2027-000043');
    expect(email.text).toContain(
      'Thank you for your payment of €81.40 for invoice 2027-000043, received on January 31, 2027.',
    );
    expect(email.text).toMatch(/VAT 0% \(reverse charge\) on €86\.40 +€0\.00/);
    expect(email.text).toContain(REVERSE_CHARGE_NOTE.en);
    expect(plain(email.text)).not.toContain('81,40 €');

    expect(attachment).toMatchObject({ filename: 'Invoice-2027-000043.pdf', mimeType: 'application/pdf' });
    expect(pdfText).toContain('Invoice number2027-000043');
    expect(pdfText).toContain('Total€86.40');
    expect(pdfText).toContain('Amount paid€81.40');
    expect(pdfText).toContain('VAT ID DE123456789');
    expect(pdfText).toContain('VAT ID FR12345678901');
    expect(pdfText).toContain(REVERSE_CHARGE_NOTE.en);
  });
});
