import type { FilterQuery } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { eInvoiceAttachment } from '../../activities/einvoice-attachment';
import { loadInvoiceDocument } from '../../activities/invoice-document';
import { collectOpenInvoice, voidOpenInvoice } from '../../billing/invoice-actions';
import { Invoice, InvoiceLine, Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { refundedByAttempt } from '../../db/services/refunds';
import { invoicePdfFilename } from '../../documents/invoice-pdf';
import { storedInvoicePdf } from '../../documents/stored-invoice-pdf';
import { AppError } from '../errors';
import { paginate } from '../pagination';
import { defineFileRoute, defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import { eInvoiceQuerySchema } from '../schemas/credit-notes';
import {
  invoiceActionBodySchema,
  invoiceListSchema,
  invoicePayResponseSchema,
  invoiceResponseSchema,
  type InvoiceResponse,
  listInvoicesQuerySchema,
} from '../schemas/invoices';
import { serializePayment } from './payments';

const invoiceParams = idParamsSchema('in', 'an invoice');
const iso = (date: Date | null | undefined): string | null => date?.toISOString() ?? null;

export function serializeInvoice(invoice: Invoice, lines: InvoiceLine[]): InvoiceResponse {
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
    amount_refunded: invoice.amountRefunded,
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
      tax_rate_bp: line.taxRateBp ?? null,
      item_id: line.subscriptionItemId ?? null,
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

/**
 * Invoices are read from PostgreSQL: finalized invoices never change, so there is nothing live to ask. Actions on a
 * subscription's invoice go through that subscription's workflow, the only writer that charges it.
 */
export function invoicesRouter(orm: Orm, registry: RouteRegistry, client: Client): Router {
  const router = Router();

  async function serializeFresh(id: string): Promise<InvoiceResponse> {
    const em = orm.em.fork();
    const invoice = await em.findOneOrFail(Invoice, id);
    const lines = await em.find(InvoiceLine, { invoice }, { orderBy: { position: 'asc' } });
    return serializeInvoice(invoice, lines);
  }

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
      summary: 'List invoices, oldest first (or newest first with `order=desc`)',
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
        ...(query.created_gte || query.created_lt
          ? {
              createdAt: {
                ...(query.created_gte ? { $gte: new Date(query.created_gte) } : {}),
                ...(query.created_lt ? { $lt: new Date(query.created_lt) } : {}),
              },
            }
          : {}),
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

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/invoices/:id/void',
      operationId: 'voidInvoice',
      summary: 'Void an open invoice',
      description:
        'An open invoice of a subscription is voided by its workflow, so a void never races a charge. Voiding the ' +
        'invoice a dunning episode retries ends the episode: a past-due subscription becomes active again, an ' +
        'incomplete one (its first invoice voided) ends as an expired incomplete subscription. Paid, void, ' +
        'uncollectible and draft invoices answer 409 with code `invoice_<status>`.',
      tag: 'Invoices',
      params: invoiceParams,
      body: invoiceActionBodySchema,
      response: invoiceResponseSchema,
      errors: [400, 404, 409, 422],
    },
    async ({ params }) => {
      await voidOpenInvoice({ orm, client }, params.id);
      return serializeFresh(params.id);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/invoices/:id/pay',
      operationId: 'payInvoice',
      summary: 'Retry collecting an open invoice now',
      description:
        'Runs the subscription’s payment retry at once, with its current payment method, as a payment-method update ' +
        'does. Answers 200 with the invoice afterwards and the attempt made: after a decline the invoice is still ' +
        '`open` and `payment.status` is `failed` with the decline in `payment.outcome`; the attempt counts as a ' +
        'failed dunning retry. Only the invoice a dunning episode is collecting can be paid (409 otherwise).',
      tag: 'Invoices',
      params: invoiceParams,
      body: invoiceActionBodySchema,
      response: invoicePayResponseSchema,
      errors: [400, 404, 409, 422],
    },
    async ({ params }) => {
      const attempt = await collectOpenInvoice({ orm, client }, params.id);
      const refunded = attempt
        ? await refundedByAttempt(orm.em.fork(), [attempt])
        : new Map<string, number>();
      return {
        ...(await serializeFresh(params.id)),
        payment: attempt ? serializePayment(attempt, refunded.get(attempt.id) ?? 0) : null,
      };
    },
  );

  defineFileRoute(
    router,
    registry,
    {
      path: '/invoices/:id/pdf',
      operationId: 'getInvoicePdf',
      summary: 'The invoice as a PDF in the customer’s language',
      description:
        'The finalized invoice with its number, lines, VAT per rate (or the reverse-charge note) and the seller’s ' +
        'details. Answers 409 `invoice_draft` for a draft, which has no document yet.',
      tag: 'Invoices',
      params: invoiceParams,
      errors: [404, 409],
      produces: ['application/pdf'],
    },
    async ({ params }) => {
      const invoice = await find(params.id);
      if (invoice.status === 'draft') {
        throw new AppError('conflict', 'invoice_draft', 'A draft invoice has no document yet');
      }
      const subscription = invoice.subscription
        ? await orm.em.findOne(Subscription, invoice.subscription.id)
        : null;
      const document = await loadInvoiceDocument(orm.em.fork(), params.id, subscription?.timeZone ?? 'UTC');
      return {
        contentType: 'application/pdf',
        filename: invoicePdfFilename(document.input.invoice.number, document.input.locale),
        disposition: 'inline',
        body: await storedInvoicePdf(orm.em, params.id, document.input),
      };
    },
  );

  defineFileRoute(
    router,
    registry,
    {
      path: '/invoices/:id/einvoice',
      operationId: 'getInvoiceEInvoice',
      summary: 'The invoice as an EN 16931 e-invoice (XRechnung CII or UBL, or ZUGFeRD)',
      description:
        'XRechnung 3.0 as CII or UBL XML, or ZUGFeRD/Factur-X (profile EN 16931): the invoice PDF with the CII XML ' +
        'embedded. Lines carry their net after discounts. Answers 409 for a draft, and `einvoice_unavailable` while ' +
        'the seller’s e-invoice contact (PUT /v1/settings/accounting) is not set.',
      tag: 'Invoices',
      params: invoiceParams,
      query: eInvoiceQuerySchema,
      errors: [400, 404, 409],
      produces: ['application/xml', 'application/pdf'],
    },
    async ({ params, query }) => {
      const invoice = await find(params.id);
      if (invoice.status === 'draft') {
        throw new AppError('conflict', 'invoice_draft', 'A draft invoice has no document yet');
      }
      const file = await eInvoiceAttachment(orm.em.fork(), params.id, query.format);
      return { ...file, disposition: 'attachment', body: file.content };
    },
  );

  return router;
}
