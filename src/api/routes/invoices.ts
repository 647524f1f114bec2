import type { FilterQuery } from '@mikro-orm/core';
import { Router } from 'express';
import { loadInvoiceDocument } from '../../activities/invoice-document';
import { Invoice, InvoiceLine, Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { invoicePdfFilename, renderInvoicePdf } from '../../documents/invoice-pdf';
import { AppError } from '../errors';
import { paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  invoiceListSchema,
  invoiceResponseSchema,
  type InvoiceResponse,
  listInvoicesQuerySchema,
} from '../schemas/invoices';

const invoiceParams = idParamsSchema('in', 'an invoice');
const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

function serializeInvoice(invoice: Invoice, lines: InvoiceLine[]): InvoiceResponse {
  return {
    id: invoice.id,
    object: 'invoice',
    number: invoice.number ?? null,
    status: invoice.status,
    billing_reason: invoice.billingReason,
    customer_id: invoice.customer.id,
    subscription_id: invoice.subscription?.id ?? null,
    currency: invoice.currency,
    subtotal: invoice.subtotal,
    discount_total: invoice.discountTotal,
    tax_total: invoice.taxTotal,
    total: invoice.total,
    credit_applied: invoice.creditApplied,
    amount_due: invoice.amountDue,
    amount_paid: invoice.amountPaid,
    period_start: iso(invoice.periodStart),
    period_end: iso(invoice.periodEnd),
    finalized_at: iso(invoice.finalizedAt),
    paid_at: iso(invoice.paidAt),
    lines: lines.map((line) => ({
      kind: line.kind,
      description: line.description,
      quantity: line.quantity,
      unit_amount: line.unitAmount ?? null,
      amount: line.amount,
      period_start: iso(line.periodStart),
      period_end: iso(line.periodEnd),
    })),
    taxes: invoice.taxes.map((tax) => ({
      rate_bp: tax.rateBp,
      taxable: tax.taxable,
      amount: tax.amount,
      reverse_charge: tax.reverseCharge,
      inclusive: tax.inclusive,
    })),
  };
}

/** Invoices are read from PostgreSQL: finalized invoices never change, so there is nothing live to ask. */
export function invoicesRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  async function find(id: string): Promise<Invoice> {
    const invoice = await orm.em.findOne(Invoice, id);
    if (!invoice) throw new AppError('not_found', 'resource_missing', `No such invoice: ${id}`, 'id');
    return invoice;
  }

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/invoices',
      operationId: 'listInvoices',
      summary: 'List invoices, oldest first',
      tag: 'Invoices',
      query: listInvoicesQuerySchema,
      response: invoiceListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<Invoice> = {
        ...(query.subscription_id ? { subscription: query.subscription_id } : {}),
        ...(query.customer_id ? { customer: query.customer_id } : {}),
        ...(query.status ? { status: query.status } : {}),
      };
      const page = await paginate(orm.em, Invoice, where, query);
      const lines = await orm.em.find(
        InvoiceLine,
        { invoice: { $in: page.items.map((invoice) => invoice.id) } },
        { orderBy: { position: 'asc' } },
      );
      return {
        object: 'list' as const,
        data: page.items.map((invoice) =>
          serializeInvoice(
            invoice,
            lines.filter((line) => line.invoice.id === invoice.id),
          ),
        ),
        has_more: page.hasMore,
        next_cursor: page.nextCursor,
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/invoices/:id',
      operationId: 'getInvoice',
      summary: 'Retrieve an invoice with its lines and taxes',
      tag: 'Invoices',
      params: invoiceParams,
      response: invoiceResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const invoice = await find(params.id);
      const lines = await orm.em.find(InvoiceLine, { invoice }, { orderBy: { position: 'asc' } });
      return serializeInvoice(invoice, lines);
    },
  );

  // The PDF is a binary answer, so it is registered by hand rather than through the JSON route helper.
  router.get('/invoices/:id/pdf', async (req, res) => {
    const { id } = invoiceParams.parse(req.params);
    const invoice = await find(id);
    if (invoice.status === 'draft') {
      throw new AppError('conflict', 'invoice_draft', 'A draft invoice has no document yet');
    }
    const subscription = invoice.subscription
      ? await orm.em.findOne(Subscription, invoice.subscription.id)
      : null;
    const document = await loadInvoiceDocument(orm.em.fork(), id, subscription?.timeZone ?? 'UTC');
    const pdf = await renderInvoicePdf(document.input);
    res
      .status(200)
      .type('application/pdf')
      .setHeader(
        'Content-Disposition',
        `inline; filename="${invoicePdfFilename(document.input.invoice.number, document.input.locale)}"`,
      )
      .send(pdf);
  });

  return router;
}
