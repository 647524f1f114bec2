import type { EntityManager } from '@mikro-orm/postgresql';
import type { PostalAddress } from '../db/entities/columns';
import { Customer, Invoice, InvoiceLine, SellerSettings } from '../db/entities';
import type { InvoiceLine as DomainInvoiceLine } from '../domain/invoice';
import type { InvoicePdfInput } from '../documents/invoice-pdf';

export const addressLines = (address: PostalAddress | null | undefined): string[] =>
  address
    ? [
        address.line1,
        address.line2,
        `${address.postalCode} ${address.city}`,
        address.region,
        address.country,
      ].filter((line): line is string => Boolean(line))
    : [];

const iso = (date: Date | null | undefined): string | undefined => date?.toISOString();

/** Everything an invoice PDF or receipt shows, read from the finalized invoice: documents never recompute. */
export async function loadInvoiceDocument(
  em: EntityManager,
  invoiceId: string,
  timeZone: string,
): Promise<{ input: InvoicePdfInput; lines: DomainInvoiceLine[]; invoice: Invoice; customer: Customer }> {
  const invoice = await em.findOneOrFail(Invoice, invoiceId, { refresh: true });
  const [customer, seller, rows] = await Promise.all([
    em.findOneOrFail(Customer, invoice.customer.id),
    em.findOneOrFail(SellerSettings, 1),
    em.find(InvoiceLine, { invoice: invoiceId }, { orderBy: { position: 'asc' } }),
  ]);
  const lines: DomainInvoiceLine[] = rows.map((row) => ({
    kind: row.kind,
    description: row.description,
    amount: row.amount,
    quantity: row.quantity,
    ...(row.unitAmount == null ? {} : { unitAmount: row.unitAmount }),
    ...(row.periodStart ? { periodStart: row.periodStart.toISOString() } : {}),
    ...(row.periodEnd ? { periodEnd: row.periodEnd.toISOString() } : {}),
    ...(row.taxRateBp == null ? {} : { taxRateBp: row.taxRateBp }),
  }));
  const periodStart = iso(invoice.periodStart) ?? iso(invoice.finalizedAt) ?? invoice.createdAt.toISOString();
  return {
    invoice,
    customer,
    lines,
    input: {
      locale: customer.locale,
      timeZone,
      seller: { name: seller.name, address: addressLines(seller.address), vatId: seller.vatId ?? undefined },
      buyer: {
        name: customer.name,
        address: addressLines(customer.address),
        vatId: customer.vatId ?? undefined,
        email: customer.email,
      },
      invoice: {
        number: invoice.number ?? invoice.id,
        issuedAt: iso(invoice.finalizedAt) ?? periodStart,
        periodStart,
        periodEnd: iso(invoice.periodEnd) ?? periodStart,
        currency: invoice.currency,
        lines,
        taxes: invoice.taxes,
        subtotal: invoice.subtotal,
        total: invoice.total,
        creditApplied: invoice.creditApplied,
        amountDue: invoice.amountDue,
        status: invoice.status,
        paidAt: iso(invoice.paidAt),
        dueAt: iso(invoice.dueAt),
        notes: invoice.notes,
      },
    },
  };
}
