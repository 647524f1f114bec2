import type { EntityManager } from '@mikro-orm/postgresql';
import { CreditNote, CreditNoteLine, Customer, Invoice, SellerSettings, Subscription } from '../db/entities';
import type { CreditNotePdfInput } from '../documents/credit-note-pdf';
import { addressLines } from './invoice-document';

export type CreditNoteDocument = {
  input: CreditNotePdfInput;
  creditNote: CreditNote;
  lines: CreditNoteLine[];
  invoice: Invoice;
  customer: Customer;
  seller: SellerSettings;
};

/**
 * Everything a credit note's PDF, e-invoice or email shows, read from the stored note and the invoice it corrects.
 * Dates are shown in the subscription's billing zone (as on the invoice), else the seller's.
 */
export async function loadCreditNoteDocument(
  em: EntityManager,
  creditNoteId: string,
): Promise<CreditNoteDocument> {
  const creditNote = await em.findOneOrFail(CreditNote, creditNoteId, { refresh: true });
  const [invoice, lines, customer, seller] = await Promise.all([
    em.findOneOrFail(Invoice, creditNote.invoice.id),
    em.find(CreditNoteLine, { creditNote }, { orderBy: { position: 'asc' } }),
    em.findOneOrFail(Customer, creditNote.customer.id),
    em.findOneOrFail(SellerSettings, 1),
  ]);
  const subscription = invoice.subscription ? await em.findOne(Subscription, invoice.subscription.id) : null;
  return {
    creditNote,
    lines,
    invoice,
    customer,
    seller,
    input: {
      locale: customer.locale,
      timeZone: subscription?.timeZone ?? seller.timeZone,
      seller: { name: seller.name, address: addressLines(seller.address), vatId: seller.vatId ?? undefined },
      buyer: {
        name: customer.name,
        address: addressLines(customer.address),
        vatId: customer.vatId ?? undefined,
        email: customer.email,
      },
      creditNote: {
        number: creditNote.number,
        issuedAt: creditNote.createdAt.toISOString(),
        currency: creditNote.currency,
        amount: creditNote.amount,
        reason: creditNote.reason,
        outcome: creditNote.outcome,
        lines: lines.map((line) => ({
          rateBp: line.rateBp,
          taxable: line.taxable,
          tax: line.tax,
          reverseCharge: line.reverseCharge,
        })),
      },
      invoice: {
        number: invoice.number ?? invoice.id,
        issuedAt: (invoice.finalizedAt ?? invoice.createdAt).toISOString(),
      },
    },
  };
}
