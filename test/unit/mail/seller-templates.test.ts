import { money } from '../../../src/domain';
import { escapeHtml, type EmailLocale } from '../../../src/mail/templates';
import {
  renderSellerEmail,
  SELLER_EMAIL_KINDS,
  type DisputeEmailData,
  type SellerContext,
  type SellerEmailInput,
} from '../../../src/mail/templates/seller';

const opened: DisputeEmailData = {
  disputeId: 'dp_0123456789abcdef01234567',
  gatewayDisputeId: 'du_1PgafuB7WZ01zgkW',
  gateway: 'stripe',
  customerName: 'Jürgen <Weiß>',
  customerEmail: 'juergen@example.test',
  invoiceNumber: '2027-000042',
  amount: money(2261, 'EUR'),
  reason: 'product_not_received',
  openedAt: '2027-03-01T23:30:00.000Z',
};
const closed = { ...opened, closedAt: '2027-04-15T10:00:00.000Z', fee: money(1500, 'EUR') };

const inputs: Record<(typeof SELLER_EMAIL_KINDS)[number], SellerEmailInput> = {
  dispute_opened: { kind: 'dispute_opened', data: opened },
  dispute_won: { kind: 'dispute_won', data: { ...closed, fee: null } },
  dispute_lost: {
    kind: 'dispute_lost',
    data: { ...closed, reopenedAmount: money(2261, 'EUR'), collectedBySubscription: true },
  },
};

const seller = (locale: EmailLocale): SellerContext => ({
  sellerName: 'Rösterei Müller GmbH',
  timeZone: 'Europe/Berlin',
  locale,
});

/** Intl separates amount and currency sign with a no-break space; the assertions read better with a plain one. */
const plain = (text: string) => text.replace(/\u00a0/g, ' ');

describe('seller notices', () => {
  describe.each(['de', 'en'] as const)('every kind in %s', (locale) => {
    test.each(SELLER_EMAIL_KINDS)(
      '%s is addressed to the seller and names the dispute, invoice and customer',
      (kind) => {
        const email = renderSellerEmail(inputs[kind], seller(locale));

        expect(email.subject).not.toMatch(/[\r\n]/);
        expect(email.subject).toContain(opened.invoiceNumber);
        expect(email.text).toContain('Rösterei Müller GmbH');
        for (const shown of [opened.disputeId, opened.gatewayDisputeId, opened.customerEmail]) {
          expect(email.text).toContain(shown);
        }
        expect(email.html).toMatch(new RegExp(`^<!DOCTYPE html>\\n<html lang="${locale}">`));
        // A customer's name is data, never markup.
        expect(email.html).toContain(escapeHtml(opened.customerName));
        expect(email.html).not.toContain(opened.customerName);
      },
    );
  });

  test('subjects say what happened, in the seller’s language and currency format', () => {
    const subjects = (locale: EmailLocale) =>
      SELLER_EMAIL_KINDS.map((kind) => plain(renderSellerEmail(inputs[kind], seller(locale)).subject));

    expect(subjects('de')).toEqual([
      'Rückbuchung eröffnet: 22,61 € zu Rechnung 2027-000042',
      'Rückbuchung gewonnen: 22,61 € zu Rechnung 2027-000042',
      'Rückbuchung verloren: 22,61 € zu Rechnung 2027-000042',
    ]);
    expect(subjects('en')).toEqual([
      'Dispute opened: €22.61 on invoice 2027-000042',
      'Dispute won: €22.61 on invoice 2027-000042',
      'Dispute lost: €22.61 on invoice 2027-000042',
    ]);
  });

  test('a lost dispute says what the invoice owes again, who collects it, and the fee', () => {
    const lost = plain(renderSellerEmail(inputs.dispute_lost, seller('en')).text);
    expect(lost).toContain('Invoice 2027-000042 is open again for €22.61.');
    expect(lost).toContain('The subscription now tries to collect it');
    expect(lost).toContain('stripe charged a dispute fee of €15.00.');

    const alone = inputs.dispute_lost.kind === 'dispute_lost' ? inputs.dispute_lost.data : null;
    if (!alone) throw new Error('fixture');
    const noSubscription = plain(
      renderSellerEmail(
        { kind: 'dispute_lost', data: { ...alone, collectedBySubscription: false, fee: null } },
        seller('de'),
      ).text,
    );
    expect(noSubscription).toContain('Sie gehört zu keinem Abonnement');
    expect(noSubscription).not.toContain('Rückbuchungsgebühr');
  });

  test('dates are shown in the seller’s time zone; reason codes are explained, unknown ones kept', () => {
    // 23:30 UTC on March 1 is already March 2 in Berlin.
    expect(renderSellerEmail(inputs.dispute_opened, seller('de')).text).toMatch(/Eröffnet\s+2\. März 2027/);
    expect(renderSellerEmail(inputs.dispute_opened, seller('en')).text).toContain('product not received');
    const unknown = renderSellerEmail(
      { kind: 'dispute_opened', data: { ...opened, reason: 'brand_new_reason' } },
      seller('en'),
    );
    expect(unknown.text).toContain('brand_new_reason');
  });
});
