import type { FilterQuery } from '@mikro-orm/core';
import { Router } from 'express';
import { Customer, InvoiceItem, Subscription } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { createInvoiceItem, deletePendingInvoiceItem } from '../../db/services/invoice-items';
import { clockTimeForCustomer } from '../../db/services/test-clocks';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  createInvoiceItemSchema,
  deletedInvoiceItemSchema,
  invoiceItemListSchema,
  invoiceItemResponseSchema,
  listInvoiceItemsQuerySchema,
  type InvoiceItemResponse,
} from '../schemas/invoice-items';
import { businessKey } from '../money-requests';

const itemParams = idParamsSchema('ii', 'an invoice item');

export function serializeInvoiceItem(item: InvoiceItem): InvoiceItemResponse {
  return {
    id: item.id,
    object: 'invoice_item',
    customer_id: item.customer.id,
    subscription_id: item.subscription?.id ?? null,
    invoice_id: item.invoice?.id ?? null,
    pending: !item.invoice,
    kind: item.kind,
    currency: item.currency,
    amount: item.amount,
    description: item.description,
    quantity: item.quantity,
    unit_amount: item.unitAmount ?? null,
    period:
      item.periodStart && item.periodEnd
        ? { start: item.periodStart.toISOString(), end: item.periodEnd.toISOString() }
        : null,
    created_at: item.createdAt.toISOString(),
  };
}

/** The body's reference to another object that does not exist: the request is wrong, not the URL. */
const missingReference = (param: string, id: string) =>
  new AppError('invalid_request_error', 'resource_missing', `${param}: no such object ${id}`, param);

/**
 * One-off charges and credits waiting for the customer's next invoice: a subscription's renewal bills them with
 * the period, `POST /v1/invoices` bills the customer's items without a subscription at once.
 */
export function invoiceItemsRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  async function find(id: string): Promise<InvoiceItem> {
    const item = await orm.em.findOne(InvoiceItem, id);
    if (!item) throw new AppError('not_found', 'resource_missing', `No such invoice item: ${id}`, 'id');
    return item;
  }

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/invoice_items',
      operationId: 'createInvoiceItem',
      summary: "Add a one-off charge or credit to the customer's next invoice",
      description:
        'A positive `amount` charges, a negative one credits. With `subscription_id` the item waits for that ' +
        "subscription's next invoice (and must be in its currency); without, for the customer's next invoice in " +
        'its currency: a renewal of any of their subscriptions or a one-off invoice (`POST /v1/invoices`). Tax is ' +
        'added on the invoice as on its other lines. The same Idempotency-Key creates one item, also after the ' +
        'stored answer has expired.',
      tag: 'Invoice items',
      body: createInvoiceItemSchema,
      response: invoiceItemResponseSchema,
      status: 201,
      errors: [400, 409, 422],
    },
    async ({ body, req }) => {
      const em = orm.em.fork();
      const customer = await em.findOne(Customer, body.customer_id);
      if (!customer) throw missingReference('customer_id', body.customer_id);
      if (body.subscription_id !== undefined) {
        const subscription = await em.findOne(Subscription, body.subscription_id);
        if (!subscription || subscription.customer.id !== customer.id) {
          throw missingReference('subscription_id', body.subscription_id);
        }
        if (subscription.currency !== body.currency) {
          throw new AppError(
            'unprocessable',
            'currency_mismatch',
            `Subscription ${subscription.id} bills in ${subscription.currency}, not ${body.currency}`,
            'currency',
          );
        }
      }
      const createdAt = await clockTimeForCustomer(em, customer.id);
      const item = await createInvoiceItem(em, {
        customerId: customer.id,
        subscriptionId: body.subscription_id ?? null,
        currency: body.currency,
        amount: body.amount,
        description: body.description,
        quantity: body.quantity ?? 1,
        unitAmount: body.unit_amount ?? null,
        ...(body.period ? { periodStart: body.period.start, periodEnd: body.period.end } : {}),
        kind: 'one_off',
        ...(req.header('idempotency-key') === undefined
          ? {}
          : { idempotencyKey: businessKey(req, 'invoice_item') }),
        ...(createdAt === undefined ? {} : { createdAt }),
      });
      return serializeInvoiceItem(item);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/invoice_items',
      operationId: 'listInvoiceItems',
      summary: 'List invoice items, oldest first',
      tag: 'Invoice items',
      query: listInvoiceItemsQuerySchema,
      response: invoiceItemListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<InvoiceItem> = {
        $and: [
          query.customer_id ? { customer: query.customer_id } : {},
          query.invoice_id ? { invoice: query.invoice_id } : {},
          query.pending === undefined ? {} : { invoice: query.pending ? null : { $ne: null } },
        ],
      };
      return listBody(await paginate(orm.em, InvoiceItem, where, query), serializeInvoiceItem);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/invoice_items/:id',
      operationId: 'getInvoiceItem',
      summary: 'Retrieve an invoice item',
      tag: 'Invoice items',
      params: itemParams,
      response: invoiceItemResponseSchema,
      errors: [404],
    },
    async ({ params }) => serializeInvoiceItem(await find(params.id)),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'delete',
      path: '/invoice_items/:id',
      operationId: 'deleteInvoiceItem',
      summary: 'Delete a pending invoice item',
      description:
        'Only while the item is pending; once an invoice has billed it, it is part of that invoice (409 ' +
        '`invoice_item_billed`) and is corrected with a credit note.',
      tag: 'Invoice items',
      params: itemParams,
      response: deletedInvoiceItemSchema,
      errors: [404, 409],
    },
    async ({ params }) => {
      const outcome = await deletePendingInvoiceItem(orm.em.fork(), params.id);
      if (outcome === 'not_found') {
        throw new AppError('not_found', 'resource_missing', `No such invoice item: ${params.id}`, 'id');
      }
      if (outcome === 'billed') {
        throw new AppError(
          'conflict',
          'invoice_item_billed',
          `Invoice item ${params.id} is billed on an invoice; correct it with a credit note`,
        );
      }
      return { id: params.id, object: 'invoice_item' as const, deleted: true as const };
    },
  );

  return router;
}
