import type { EntityManager } from '@mikro-orm/postgresql';
import { InvoiceDocument } from '../db/entities';
import { type InvoicePdfInput, renderInvoicePdf } from './invoice-pdf';

/**
 * The invoice's PDF, rendered once per variant (status and language) and kept: a receipt email, the API's PDF
 * route and an e-invoice that embeds it all get the same bytes, and rendering (the most expensive step of a
 * renewal's email) happens once.
 */
export async function storedInvoicePdf(
  em: EntityManager,
  invoiceId: string,
  input: InvoicePdfInput,
): Promise<Buffer> {
  const variant = `${input.invoice.status}:${input.locale}`;
  const existing = await em.fork().findOne(InvoiceDocument, { invoice: invoiceId, variant });
  if (existing) return Buffer.from(existing.pdf);
  const pdf = await renderInvoicePdf(input);
  await em
    .fork()
    .createQueryBuilder(InvoiceDocument)
    .insert({ invoice: invoiceId, variant, pdf })
    .onConflict(['invoice', 'variant'])
    .ignore()
    .execute('run');
  return pdf;
}
