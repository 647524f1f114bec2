import { Invoice, SellerSettings } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { invoicePdfFilename, renderInvoicePdf } from '../documents/invoice-pdf';
import type { Mailer } from '../mail/mailer';
import { renderEmailTemplate } from '../mail/templates';
import { loadInvoiceDocument } from './invoice-document';
import { sendOnce } from './outbox';

/** The cause of a one-off invoice's receipt in the outbox: one receipt per invoice, however often it is asked for. */
export const oneOffReceiptCause = (invoiceId: string): string => `${invoiceId}:receipt`;

/**
 * Receipts of paid invoices that no subscription workflow sends one for: one-off invoices (`billing_reason`
 * `manual`). Through the same outbox as lifecycle emails, with the same PDF, in the customer's language and the
 * seller's time zone. An invoice of a subscription, or one not paid, sends nothing: its workflow owns its mail.
 */
export function createInvoiceReceiptActivities({ orm, mailer }: { orm: Orm; mailer: Mailer }) {
  return {
    async sendInvoiceReceipt({ invoiceId }: { invoiceId: string }): Promise<{ sent: boolean }> {
      const em = orm.em.fork();
      const invoice = await em.findOneOrFail(Invoice, invoiceId, { refresh: true });
      if (invoice.subscription || invoice.status !== 'paid') return { sent: false };
      const seller = await em.findOneOrFail(SellerSettings, 1);
      const document = await loadInvoiceDocument(em, invoiceId, seller.timeZone);
      const { customer } = document;
      const rendered = renderEmailTemplate({
        kind: 'receipt',
        locale: customer.locale,
        data: {
          customerName: customer.name,
          sellerName: seller.name,
          timeZone: seller.timeZone,
          invoice: {
            number: document.input.invoice.number,
            currency: invoice.currency,
            lines: document.lines,
            subtotal: invoice.subtotal,
            taxes: invoice.taxes,
            total: invoice.total,
            creditApplied: invoice.creditApplied,
            amountDue: invoice.amountDue,
            notes: invoice.notes,
          },
          paidAt: (invoice.paidAt ?? invoice.finalizedAt ?? invoice.createdAt).toISOString(),
          pdfAttached: true,
        },
      });
      await sendOnce({ orm, mailer }, oneOffReceiptCause(invoiceId), 'receipt', {
        to: customer.email,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        attachments: [
          {
            filename: invoicePdfFilename(document.input.invoice.number, customer.locale),
            content: await renderInvoicePdf(document.input),
            contentType: 'application/pdf',
          },
        ],
      });
      return { sent: true };
    },
  };
}
