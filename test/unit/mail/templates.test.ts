import {
  buildDraftInvoice,
  determineTax,
  money,
  percentOff,
  REVERSE_CHARGE_NOTE,
  type DraftInvoice,
} from '../../../src/domain';
import {
  DOCUMENT_EMAIL_KINDS,
  EMAIL_KINDS,
  escapeHtml,
  renderEmail,
  renderEmailTemplate,
  type EmailCommon,
  type EmailDataByKind,
  type EmailLocale,
  type ReceiptEmailData,
} from '../../../src/mail/templates';

const LOCALES: readonly EmailLocale[] = ['de', 'en'];
const common: EmailCommon = {
  customerName: 'Jürgen Weiß',
  sellerName: 'Rösterei Müller GmbH',
  timeZone: 'Europe/Berlin',
};
const updatePaymentUrl = 'https://billing.example.test/portal/payment-method?token=a&b=c';
const dunning = {
  ...common,
  invoiceNumber: '2027-000042',
  amount: money(11900, 'EUR'),
  nextRetryAt: '2027-06-02T10:00:00.000Z',
  updatePaymentUrl,
};

/** DE seller, DE customer, tax-exclusive: Pro plan 100.00 € + 19 % VAT 19.00 € = 119.00 €. */
function domesticInvoice(): DraftInvoice {
  return buildDraftInvoice({
    currency: 'EUR',
    items: [{ kind: 'subscription', description: 'Pro plan', amount: money(10000, 'EUR') }],
    tax: determineTax({ country: 'DE' }, { country: 'DE' }),
    pricesIncludeTax: false,
    creditBalance: money(0, 'EUR'),
  });
}

function receiptData(invoice: DraftInvoice, overrides: Partial<ReceiptEmailData> = {}): ReceiptEmailData {
  return {
    ...common,
    invoice: { ...invoice, number: '2027-000042' },
    paidAt: '2027-01-31T08:05:00.000Z',
    periodStart: '2027-01-31T00:00:00.000Z',
    periodEnd: '2027-02-28T00:00:00.000Z',
    pdfAttached: true,
    ...overrides,
  };
}

const fixtures: { [K in keyof EmailDataByKind]: EmailDataByKind[K] } = {
  welcome: {
    ...common,
    planName: 'Pro',
    trialEndsAt: '2027-02-14T00:00:00.000Z',
    portalUrl: 'https://a.test/p',
  },
  trial_ending: {
    ...common,
    planName: 'Pro',
    trialEndsAt: '2027-02-14T00:00:00.000Z',
    amount: money(4900, 'EUR'),
    hasPaymentMethod: false,
    updatePaymentUrl,
  },
  upcoming_renewal: {
    ...common,
    planName: 'Pro yearly',
    renewsAt: '2028-01-31T00:00:00.000Z',
    amount: money(49000, 'EUR'),
  },
  receipt: receiptData(domesticInvoice()),
  payment_failed: dunning,
  dunning_reminder: dunning,
  dunning_second_reminder: dunning,
  dunning_final_notice: { ...dunning, finalAction: 'cancel' },
  paused: { ...common, planName: 'Pro', pausedAt: '2027-03-01T09:00:00.000Z' },
  resumed: {
    ...common,
    planName: 'Pro',
    resumedAt: '2027-04-01T09:00:00.000Z',
    nextBillingAt: '2027-05-01T09:00:00.000Z',
  },
  plan_changed: {
    ...common,
    fromPlanName: 'Basic',
    toPlanName: 'Pro',
    effectiveAt: '2027-04-21T00:00:00.000Z',
    newAmount: money(3000, 'EUR'),
    interval: { unit: 'month', count: 3 },
  },
  canceled: { ...common, planName: 'Pro', endsAt: '2027-02-28T00:00:00.000Z', atPeriodEnd: true },
  needs_attention: {
    ...common,
    subscriptionId: 'sub_0123456789abcdef01234567',
    code: 'BillingDataError',
    message: 'invalid_amount: Amount must be a safe integer',
    since: '2027-02-01T00:00:00.000Z',
  },
  credit_note: {
    ...common,
    creditNoteNumber: 'CN-2027-000007',
    invoiceNumber: '2027-000042',
    amount: money(2261, 'EUR'),
    outcome: 'refund',
    issuedAt: '2027-03-02T10:00:00.000Z',
    documentAttached: true,
  },
};

/** Intl separates amount and currency sign with a no-break space; the assertions read better with a plain one. */
function plain(text: string): string {
  return text.replace(/\u00a0/g, ' ');
}

describe('email templates', () => {
  describe.each(LOCALES)('every kind in %s', (locale) => {
    test.each([...EMAIL_KINDS, ...DOCUMENT_EMAIL_KINDS])(
      '%s renders a subject, a text part and an HTML document in the locale',
      (kind) => {
        const email = renderEmail(kind, locale, fixtures[kind]);

        expect(email.subject.trim()).not.toBe('');
        expect(email.subject).not.toMatch(/[\r\n]/);
        expect(email.text).toContain(common.customerName);
        expect(email.text).toContain(common.sellerName);
        expect(email.html).toMatch(new RegExp(`^<!DOCTYPE html>\\n<html lang="${locale}">`));
        expect(email.html).toContain(`<title>${escapeHtml(email.subject)}</title>`);
        expect(email.html).toContain(escapeHtml(common.customerName));
      },
    );
  });

  test('the kind-tagged entry point renders exactly what renderEmail renders', () => {
    expect(renderEmailTemplate({ kind: 'paused', locale: 'de', data: fixtures.paused })).toEqual(
      renderEmail('paused', 'de', fixtures.paused),
    );
  });

  test('a receipt links to its invoice in the portal when given the link, in both languages, and otherwise has no button', () => {
    const invoiceUrl = 'https://billing.example.test/portal/link/abc.def';
    const de = renderEmail('receipt', 'de', receiptData(domesticInvoice(), { invoiceUrl }));
    const en = renderEmail('receipt', 'en', receiptData(domesticInvoice(), { invoiceUrl }));
    expect(de.text).toContain(`Rechnung ansehen: ${invoiceUrl}`);
    expect(en.text).toContain(`View the invoice: ${invoiceUrl}`);
    expect(en.html).toContain(`href="${invoiceUrl}"`);
    expect(renderEmail('receipt', 'en', fixtures.receipt).text).not.toContain('View the invoice');
  });

  test('German and English receipts format the same amounts per locale (19,00 € vs €19.00)', () => {
    const de = renderEmail('receipt', 'de', fixtures.receipt);
    const en = renderEmail('receipt', 'en', fixtures.receipt);

    expect(de.subject).toBe('Zahlungsbestätigung für Rechnung 2027-000042');
    expect(en.subject).toBe('Receipt for invoice 2027-000042');
    for (const part of [de.text, de.html]) {
      expect(plain(part)).toContain('100,00 €');
      expect(plain(part)).toContain('USt. 19 % auf 100,00 €');
      expect(plain(part)).toContain('19,00 €');
      expect(plain(part)).toContain('119,00 €');
      expect(part).not.toContain('€19.00');
    }
    for (const part of [en.text, en.html]) {
      expect(part).toContain('€100.00');
      expect(part).toContain('VAT 19% on €100.00');
      expect(part).toContain('€19.00');
      expect(part).toContain('€119.00');
      expect(plain(part)).not.toContain('19,00 €');
    }
    expect(plain(de.text)).toContain(
      'vielen Dank für Ihre Zahlung über 119,00 € zu Rechnung 2027-000042, eingegangen am 31. Januar 2027.',
    );
    expect(de.text).toContain('Leistungszeitraum: 31. Januar 2027 – 28. Februar 2027');
    expect(de.text).toContain('Die Rechnung finden Sie als PDF im Anhang.');
    expect(en.text).toContain('Service period: January 31, 2027 – February 28, 2027');
  });

  test('a receipt lists discounts after the subtotal and shows the credit applied (worked example: 98,68 € due)', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [
        { kind: 'subscription', description: 'Pro plan', amount: money(4900, 'EUR') },
        { kind: 'usage', description: 'API calls', amount: money(4700, 'EUR'), quantity: 60 },
      ],
      coupons: [
        {
          id: 'TEN',
          name: '10 % Rabatt',
          discount: percentOff(10),
          duration: { type: 'forever' },
          timesRedeemed: 0,
        },
      ],
      tax: determineTax({ country: 'DE' }, { country: 'FR' }),
      pricesIncludeTax: false,
      creditBalance: money(500, 'EUR'),
    });
    const lines = plain(renderEmail('receipt', 'de', receiptData(invoice)).text).split('\n');
    const row = (label: string) => lines.find((line) => line.startsWith(label))?.replace(/ {2,}/g, '  ');

    expect(row('Pro plan')).toBe('Pro plan  49,00 €');
    expect(row('60 × API calls')).toBe('60 × API calls  47,00 €');
    expect(row('Zwischensumme')).toBe('Zwischensumme  96,00 €');
    expect(lines.indexOf(row('Zwischensumme') ?? '')).toBeLessThan(
      lines.findIndex((l) => l.includes('-9,60 €')),
    );
    expect(row('USt. 20 % auf 86,40 €')).toBe('USt. 20 % auf 86,40 €  17,28 €');
    expect(row('Gesamtbetrag')).toBe('Gesamtbetrag  103,68 €');
    expect(row('Verrechnetes Guthaben')).toBe('Verrechnetes Guthaben  -5,00 €');
    expect(row('Bezahlter Betrag')).toBe('Bezahlter Betrag  98,68 €');
  });

  test("a receipt of a two-rate invoice names each line's rate and the VAT of each rate (worked example: 50,31 €)", () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
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
      coupons: [
        {
          id: 'TEN',
          name: '10 % Rabatt',
          discount: percentOff(10),
          duration: { type: 'forever' },
          timesRedeemed: 0,
        },
      ],
      tax: determineTax({ country: 'DE' }, { country: 'DE' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    const de = plain(renderEmail('receipt', 'de', receiptData(invoice)).text).split('\n');
    const en = plain(renderEmail('receipt', 'en', receiptData(invoice)).text).split('\n');
    const row = (lines: string[], label: string) =>
      lines.find((line) => line.startsWith(label))?.replace(/ {2,}/g, '  ');

    expect(row(de, 'Kaffeebohnen')).toBe('Kaffeebohnen (USt. 7 %)  30,00 €');
    expect(row(de, 'Mühlen-Abo')).toBe('Mühlen-Abo (USt. 19 %)  20,00 €');
    expect(row(de, '10 % Rabatt')).toBe('10 % Rabatt  -5,00 €');
    expect(row(de, 'USt. 19 % auf')).toBe('USt. 19 % auf 18,00 €  3,42 €');
    expect(row(de, 'USt. 7 % auf')).toBe('USt. 7 % auf 27,00 €  1,89 €');
    expect(row(de, 'Gesamtbetrag')).toBe('Gesamtbetrag  50,31 €');
    expect(row(en, 'Kaffeebohnen')).toBe('Kaffeebohnen (VAT 7%)  €30.00');
    expect(row(en, 'VAT 7% on')).toBe('VAT 7% on €27.00  €1.89');
  });

  test('a reverse-charge receipt carries the legal note even when the invoice passes no notes', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [{ kind: 'subscription', description: 'Pro plan', amount: money(4900, 'EUR') }],
      tax: determineTax({ country: 'DE' }, { country: 'FR', vatId: 'FR12345678901' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    const data = receiptData({ ...invoice, notes: [] });

    expect(renderEmail('receipt', 'de', data).text).toContain(REVERSE_CHARGE_NOTE.de);
    expect(renderEmail('receipt', 'en', data).text).toContain(REVERSE_CHARGE_NOTE.en);
    expect(renderEmail('receipt', 'en', data).text.split(REVERSE_CHARGE_NOTE.en)).toHaveLength(2);
  });

  test('HTML escapes a <script> in the customer name; the plain-text part keeps it verbatim', () => {
    const customerName = '<script>alert("pwned")</script> & Co\'s';
    const email = renderEmail('welcome', 'en', { ...fixtures.welcome, customerName });

    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain(
      'Hello &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; Co&#39;s,',
    );
    expect(email.text).toContain(`Hello ${customerName},`);
  });

  test('the payment-failed email is German with umlauts and carries the update link, escaped in the href', () => {
    const email = renderEmail('payment_failed', 'de', fixtures.payment_failed);

    expect(email.subject).toBe('Zahlung fehlgeschlagen: Rechnung 2027-000042');
    expect(plain(email.text)).toContain(
      'leider konnten wir 119,00 € für Rechnung 2027-000042 nicht einziehen.',
    );
    expect(email.text).toContain('Wir versuchen es am 2. Juni 2027 erneut.');
    expect(email.text).toContain(`Zahlungsmethode aktualisieren: ${updatePaymentUrl}`);
    expect(email.html).toContain(`href="${updatePaymentUrl.replace('&', '&amp;')}"`);
    expect(email.text).toContain('Mit freundlichen Grüßen\nRösterei Müller GmbH');
  });

  test("a first charge's failure promises no retry: it names the instant the subscription lapses without payment", () => {
    const incomplete = { ...dunning, incompleteExpiresAt: '2027-06-02T10:00:00.000Z' };
    const en = renderEmail('payment_failed', 'en', incomplete).text;
    expect(plain(en)).toContain('Please update your payment method before June 2, 2027');
    expect(en).not.toContain('try again');
    const de = renderEmail('payment_failed', 'de', incomplete).text;
    expect(plain(de)).toContain('Zahlungsmethode bis zum 2. Juni 2027');
    expect(de).not.toContain('erneut');
  });

  test('dunning levels escalate and the final notice names the final action', () => {
    const subjects = (['dunning_reminder', 'dunning_second_reminder'] as const).map(
      (kind) => renderEmail(kind, 'de', dunning).subject,
    );
    const final = renderEmail('dunning_final_notice', 'en', { ...dunning, finalAction: 'pause' });

    expect(subjects).toEqual([
      'Zahlungserinnerung: Rechnung 2027-000042',
      'Zweite Zahlungserinnerung: Rechnung 2027-000042',
    ]);
    expect(final.subject).toBe('Final notice: invoice 2027-000042 is unpaid');
    expect(final.text).toContain('If it fails, your subscription will be paused.');
  });

  test('dates are calendar dates in the data time zone: 23:30 UTC on Feb 28 is March 1 in Berlin', () => {
    const data = { ...fixtures.upcoming_renewal, renewsAt: '2027-02-28T23:30:00.000Z' };

    expect(renderEmail('upcoming_renewal', 'de', data).subject).toBe(
      'Ihr Abonnement verlängert sich am 1. März 2027',
    );
    expect(renderEmail('upcoming_renewal', 'en', { ...data, timeZone: 'America/New_York' }).subject).toBe(
      'Your subscription renews on February 28, 2027',
    );
  });

  test('amounts follow the currency exponent: JPY has no decimals, KWD three', () => {
    const jpy = renderEmail('upcoming_renewal', 'de', {
      ...fixtures.upcoming_renewal,
      amount: money(2646, 'JPY'),
    });
    const kwd = renderEmail('upcoming_renewal', 'en', {
      ...fixtures.upcoming_renewal,
      amount: money(12962, 'KWD'),
    });

    expect(plain(jpy.text)).toContain('2.646 ¥');
    expect(plain(kwd.text)).toContain('KWD 12.962');
  });

  test('the plan-change email states the new price per interval in each language', () => {
    expect(plain(renderEmail('plan_changed', 'de', fixtures.plan_changed).text)).toContain(
      'Der neue Preis beträgt 30,00 € alle 3 Monate.',
    );
    expect(
      renderEmail('plan_changed', 'en', { ...fixtures.plan_changed, interval: { unit: 'year', count: 1 } })
        .text,
    ).toContain('The new price is €30.00 per year.');
  });

  test('a customer without a name is greeted without a dangling space', () => {
    expect(renderEmail('resumed', 'de', { ...fixtures.resumed, customerName: '  ' }).text).toMatch(
      /^Guten Tag,\n/,
    );
    expect(renderEmail('resumed', 'en', { ...fixtures.resumed, customerName: '' }).text).toMatch(/^Hello,\n/);
  });

  test('a line break in a plan name cannot reach the Subject header', () => {
    const email = renderEmail('welcome', 'en', {
      ...fixtures.welcome,
      planName: 'Pro\r\nBcc: victim@example.test',
    });

    expect(email.subject).toBe('Welcome to Pro Bcc: victim@example.test');
  });

  test('links other than http(s) and unparseable dates are rejected instead of rendered', () => {
    expect(() =>
      renderEmail('payment_failed', 'en', { ...dunning, updatePaymentUrl: 'javascript:alert(1)' }),
    ).toThrow(/http and https/);
    expect(() => renderEmail('paused', 'en', { ...fixtures.paused, pausedAt: 'next Tuesday' })).toThrow(
      RangeError,
    );
    expect(() => renderEmail('paused', 'en', { ...fixtures.paused, timeZone: 'Mars/Olympus' })).toThrow(
      RangeError,
    );
  });
});
