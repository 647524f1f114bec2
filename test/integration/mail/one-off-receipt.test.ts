import PostalMime from 'postal-mime';
import { EmailMessage, Invoice } from '../../../src/db/entities';
import { chargeInvoiceAttempt, createOneOffInvoice } from '../../../src/db/services';
import { startSmtpCatcher, type SmtpCatcher } from '../../../src/dev/smtp-catcher';
import { SandboxGateway } from '../../../src/gateways';
import { createMailer, type Mailer } from '../../../src/mail/mailer';
import { invoiceReceiptCause, queueInvoiceReceipt } from '../../../src/mail/outbox';
import { verifyPortalLink } from '../../../src/portal/links';
import { createOutboxRelay } from '../../../src/mail/outbox-relay';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { seedCustomer, seedSeller } from '../../support/lifecycle';
import { extractPdfText } from '../../support/pdf-text';
import { TEST_SANDBOX_WEBHOOK_SECRET } from '../../support/workers';

describe('the receipt of a paid one-off invoice over a real SMTP server', () => {
  let db: TestDatabase;
  let catcher: SmtpCatcher;
  let mailer: Mailer;
  let gateway: SandboxGateway;

  beforeAll(async () => {
    [db, catcher] = await Promise.all([createTestDatabase(), startSmtpCatcher()]);
    mailer = createMailer(catcher.smtpUrl, 'Perennial <billing@example.test>');
    gateway = new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
    await seedSeller(db.orm);
  });

  afterAll(async () => {
    mailer?.close();
    await Promise.all([db?.drop(), catcher?.close()]);
  });

  test('arrives once, in German, with the invoice PDF and a signed portal link to the invoice; an open invoice gets none', async () => {
    const { customer, paymentMethodId } = await seedCustomer({ db, gateway }, 'tok_visa');
    const secret = 'receipt-test-portal-link-secret-0123456789';
    const relay = createOutboxRelay({
      orm: db.orm,
      mailer,
      publicUrl: 'http://perennial.test',
      portalLinkSecret: secret,
    });
    const queue = async () => {
      const em = db.orm.em.fork();
      return em.transactional(async (tx) =>
        queueInvoiceReceipt(tx, await tx.findOneOrFail(Invoice, invoice.id)),
      );
    };
    const { invoice } = await createOneOffInvoice(db.orm.em.fork(), {
      invoiceId: 'in_0123456789abcdef01234567',
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ description: 'Barista-Kurs', amount: 8900 }],
      includePendingItems: true,
      at: '2027-03-02T09:00:00Z',
    });

    expect(await queue()).toBe(false);
    await chargeInvoiceAttempt(db.orm.em.fork(), gateway, {
      invoiceId: invoice.id,
      attempt: 1,
      paymentMethodId,
      metadata: { invoice_id: invoice.id },
      at: '2027-03-02T09:00:05Z',
    });
    expect(await queue()).toBe(true);
    // Asked for twice (a retried request): one row, one email.
    expect(await queue()).toBe(true);
    expect(await relay.drainOnce()).toBe(1);
    expect(await relay.drainOnce()).toBe(0);
    const [message] = await catcher.waitForMessages(1);

    expect(catcher.messages()).toHaveLength(1);
    expect(message?.envelopeTo).toEqual([customer.email]);
    expect(message?.text).toContain(String(invoice.number));
    // 89.00 + 19 % VAT, as the German receipt writes it.
    expect(message?.text).toContain('105,91');
    const parsed = await PostalMime.parse(message?.raw ?? '');
    const pdf = parsed.attachments.find((attachment) => attachment.mimeType === 'application/pdf');
    expect(pdf).toBeDefined();
    const text = (await extractPdfText(Buffer.from(pdf?.content as ArrayBuffer))).text;
    expect(text).toContain(String(invoice.number));
    expect(text).toContain('Barista-Kurs');
    // "Rechnung ansehen": a link that signs this customer in to this invoice's portal page.
    const link = /http:\/\/perennial\.test\/portal\/link\/([A-Za-z0-9_.-]+)/.exec(message?.text ?? '');
    expect(verifyPortalLink(link?.[1] ?? '', secret)).toMatchObject({
      ok: true,
      customerId: customer.id,
      path: `/portal/invoices/${invoice.id}`,
    });
    const outbox = await db.orm.em.fork().find(EmailMessage, {});
    expect(outbox).toEqual([
      expect.objectContaining({ causeKey: invoiceReceiptCause(invoice.id), kind: 'receipt', status: 'sent' }),
    ]);
  });
});
