import type { Orm } from '../db/orm.config';
import { creditNotePdfFilename, renderCreditNotePdf } from '../documents/credit-note-pdf';
import { EInvoiceError } from '../documents/einvoice';
import type { Mailer } from '../mail/mailer';
import { sellerEmailSender } from '../mail/sender';
import { renderEmail } from '../mail/templates';
import { loadCreditNoteDocument } from './credit-note-document';
import { creditNoteEInvoiceAttachment, deliveryFormat, type EmailAttachment } from './einvoice-attachment';
import { sendOnce, type EmailOutcome } from './outbox';

/** The outbox cause of a credit note's email: one email per note, however often this is called. */
export const creditNoteEmailCause = (creditNoteId: string) => `credit_note:${creditNoteId}:issued`;

/**
 * Emails a credit note to its customer in their language, at most once per note (outbox): the PDF attached, or the
 * e-invoice their `invoice_delivery` asks for. An e-invoice that cannot be made (the seller's e-invoice contact is
 * not set) falls back to the PDF, so the customer always gets the document.
 */
export async function sendCreditNoteEmail(
  deps: { orm: Orm; mailer: Mailer },
  creditNoteId: string,
): Promise<EmailOutcome> {
  const em = deps.orm.em.fork();
  const document = await loadCreditNoteDocument(em, creditNoteId);
  const { creditNote, customer, seller, invoice } = document;
  const locale = customer.locale;
  let attachment: EmailAttachment | undefined;
  const format = deliveryFormat(customer.invoiceDelivery);
  if (format) {
    try {
      attachment = await creditNoteEInvoiceAttachment(em, creditNoteId, format);
    } catch (error) {
      if (!(error instanceof EInvoiceError)) throw error;
    }
  }
  attachment ??= {
    filename: creditNotePdfFilename(creditNote.number, locale),
    content: await renderCreditNotePdf(document.input),
    contentType: 'application/pdf',
  };
  const rendered = renderEmail('credit_note', locale, {
    customerName: customer.name,
    sellerName: seller.name,
    timeZone: document.input.timeZone,
    creditNoteNumber: creditNote.number,
    invoiceNumber: invoice.number ?? invoice.id,
    amount: { amount: creditNote.amount, currency: creditNote.currency },
    outcome: creditNote.outcome,
    issuedAt: creditNote.createdAt.toISOString(),
    documentAttached: true,
  });
  // From the seller's email sender like the relay's emails, so that one customer never sees two senders.
  const from = await sellerEmailSender(em);
  return sendOnce(deps, creditNoteEmailCause(creditNoteId), 'credit_note', {
    ...(from ? { from } : {}),
    to: customer.email,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    attachments: [attachment],
  });
}
