import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { createHash } from 'node:crypto';
import { Customer, DomainEvent, Invoice, PaymentAttempt, PaymentMethod } from '../../db/entities';
import { newId } from '../../db/ids';
import type { Orm } from '../../db/orm.config';
import { isStoreError } from '../../db/services/errors';
import { appendDomainEvent } from '../../db/services/events';
import { chargeInvoiceAttempt } from '../../db/services/invoice-collection';
import { createOneOffInvoice } from '../../db/services/one-off-invoices';
import { paymentIdempotencyKey } from '../../db/services/payments';
import { clockTimeForCustomer } from '../../db/services/test-clocks';
import { isDomainError } from '../../domain/errors';
import { isGatewayError, type PaymentGateway } from '../../gateways';
import type { Logger } from '../../logging';
import { queueInvoiceReceipt } from '../../mail/outbox';
import { dispatchWebhooks } from '../../webhooks/dispatch';
import { AppError } from '../errors';
import { defineRoute, type RouteRegistry } from '../route';
import { createdInvoiceResponseSchema, createInvoiceSchema } from '../schemas/invoices';
import { serializeInvoice } from './invoices';
import { refundedByAttempt, serializePayment } from './payments';
import { businessKey, requireGateway } from './refunds';

export interface OneOffInvoiceDeps {
  orm: Orm;
  client: Client;
  taskQueue: string;
  logger: Logger;
  gateway: PaymentGateway | undefined;
}

/** What the store or the billing domain refused, as the answer a client can act on. */
function fromCreateError(error: unknown): unknown {
  if (isDomainError(error)) return new AppError('unprocessable', 'invalid_amount', error.message);
  if (!isStoreError(error)) return error;
  switch (error.code) {
    case 'not_found':
      return new AppError('invalid_request_error', 'resource_missing', error.message, 'customer_id');
    case 'nothing_to_invoice':
      return new AppError('unprocessable', 'nothing_to_invoice', error.message, 'lines');
    case 'no_payment_method':
      return new AppError('unprocessable', 'no_payment_method', error.message, 'collect');
    case 'currency_mismatch':
      return new AppError('unprocessable', 'currency_mismatch', error.message, 'currency');
    case 'seller_not_configured':
      return new AppError(
        'unprocessable',
        'seller_not_configured',
        `${error.message}: PUT /v1/settings first`,
      );
    case 'idempotency_conflict':
      return new AppError('conflict', 'idempotency_key_reused', error.message, 'Idempotency-Key');
    case 'invalid_state':
      return new AppError('conflict', 'invoice_items_changed', error.message);
    default:
      return new AppError('unprocessable', error.code, error.message);
  }
}

/**
 * The invoice id a request creates: derived from the caller's key and Idempotency-Key, so a retry (also one after
 * the stored answer expired, or after an answer lost in a gateway timeout) reaches the same invoice and the same
 * charge attempt; without the header every request is a new invoice.
 */
function invoiceIdFor(req: Parameters<typeof businessKey>[0]): string {
  if (req.header('idempotency-key') === undefined) return newId('in');
  return `in_${createHash('sha256').update(businessKey(req, 'invoice')).digest('hex').slice(0, 24)}`;
}

/** `POST /v1/invoices`: a one-off invoice outside any subscription, optionally charged at once. */
export function oneOffInvoicesRouter(deps: OneOffInvoiceDeps, registry: RouteRegistry): Router {
  const { orm } = deps;
  const router = Router();

  /**
   * Audit events of the invoice, its receipt when paid (in the same transaction) and their outbound webhooks; a
   * delivery that cannot start is logged, not fatal.
   */
  async function recordOutcome(invoiceId: string, declined: boolean, at: string): Promise<void> {
    await orm.em.fork().transactional((tx) => recordOutcomeIn(tx, invoiceId, declined, at));
    const events = await orm.em.fork().find(DomainEvent, {
      key: { $in: ['finalized', 'paid', 'payment_failed:1'].map((suffix) => `${invoiceId}:${suffix}`) },
    });
    try {
      await dispatchWebhooks(
        { orm, client: deps.client, taskQueue: deps.taskQueue },
        events.map((event) => event.id),
      );
    } catch (error) {
      deps.logger.error({ err: error, invoiceId }, 'webhook deliveries of a one-off invoice could not start');
    }
  }

  async function recordOutcomeIn(em: EntityManager, invoiceId: string, declined: boolean, at: string) {
    const invoice = await em.findOneOrFail(Invoice, invoiceId, { refresh: true });
    if (invoice.status === 'paid') {
      await queueInvoiceReceipt(em, invoice);
      await appendDomainEvent(em, {
        key: `${invoice.id}:paid`,
        type: 'invoice.paid',
        customerId: invoice.customer.id,
        data: { invoiceId: invoice.id, amountPaid: invoice.amountPaid },
        occurredAt: invoice.paidAt?.toISOString() ?? at,
      });
    } else if (declined) {
      await appendDomainEvent(em, {
        key: `${invoice.id}:payment_failed:1`,
        type: 'invoice.payment_failed',
        customerId: invoice.customer.id,
        data: { invoiceId: invoice.id, attempt: 1 },
        occurredAt: at,
      });
    }
  }

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/invoices',
      operationId: 'createInvoice',
      summary: 'Create a one-off invoice, and charge it now if asked',
      description:
        "Bills the customer's pending invoice items without a subscription in `currency` (unless `pending_items` " +
        'is `exclude`) and the given `lines`, adds tax as on a renewal (amounts are net), applies the customer’s ' +
        'credit balance and finalizes the invoice with the next number (`billing_reason` `manual`). `collect: ' +
        'later` (default) leaves it `open`; `collect: now` charges the customer’s default payment method at once ' +
        'and answers 201 whatever the card said: the invoice (`paid`, or still `open`) and `payment`, the attempt, ' +
        'with a decline in `payment.outcome`. Send an Idempotency-Key: a retry then reaches the same invoice and ' +
        'the same charge (gateway key `<invoice id>:attempt:1`), and never charges twice. Nothing to bill is a 422 ' +
        '`nothing_to_invoice`; `collect: now` without a payment method a 422 `no_payment_method`, before anything ' +
        'is written.',
      tag: 'Invoices',
      body: createInvoiceSchema,
      response: createdInvoiceResponseSchema,
      status: 201,
      errors: [400, 409, 422, 503],
    },
    async ({ body, req }) => {
      const em = orm.em.fork();
      const customer = await em.findOne(Customer, body.customer_id);
      if (!customer) {
        throw new AppError(
          'invalid_request_error',
          'resource_missing',
          `customer_id: no such object ${body.customer_id}`,
          'customer_id',
        );
      }
      const gateway = body.collect === 'now' ? requireGateway(deps.gateway) : undefined;
      const paymentMethod = gateway
        ? await em.findOne(PaymentMethod, { customer: customer.id, isDefault: true, detachedAt: null })
        : null;
      const at = (await clockTimeForCustomer(em, customer.id)) ?? new Date().toISOString();
      const invoiceId = invoiceIdFor(req);

      let created;
      try {
        created = await createOneOffInvoice(em, {
          invoiceId,
          customerId: customer.id,
          currency: body.currency,
          lines: (body.lines ?? []).map((line) => ({
            description: line.description,
            amount: line.amount,
            quantity: line.quantity ?? 1,
            ...(line.unit_amount === undefined ? {} : { unitAmount: line.unit_amount }),
            ...(line.period ? { periodStart: line.period.start, periodEnd: line.period.end } : {}),
          })),
          includePendingItems: body.pending_items === 'include',
          ...(gateway ? { collectWith: { paymentMethodId: paymentMethod?.id ?? null } } : {}),
          at,
        });
      } catch (error) {
        throw fromCreateError(error);
      }

      let declined = false;
      if (gateway && created.invoice.status === 'open') {
        try {
          const outcome = await chargeInvoiceAttempt(orm.em.fork(), gateway, {
            invoiceId,
            attempt: 1,
            paymentMethodId: paymentMethod?.id ?? null,
            metadata: { invoice_id: invoiceId, customer_id: customer.id },
            at,
          });
          declined = outcome.outcome === 'declined';
        } catch (error) {
          if (isGatewayError(error) && error.retryable) {
            // The attempt stays pending under its key; the retry settles it at the gateway before charging.
            throw new AppError(
              'service_unavailable',
              'gateway_unavailable',
              'The payment gateway did not answer; retry with the same Idempotency-Key to settle the charge',
            );
          }
          throw error;
        }
      }
      await recordOutcome(invoiceId, declined, at);

      const read = orm.em.fork();
      const invoice = await read.findOneOrFail(Invoice, invoiceId, { refresh: true });
      const attempt = gateway
        ? await read.findOne(
            PaymentAttempt,
            { idempotencyKey: paymentIdempotencyKey(invoiceId, 1) },
            { populate: ['invoice'] },
          )
        : null;
      const refunded = attempt ? await refundedByAttempt(read, [attempt]) : new Map<string, number>();
      return {
        ...serializeInvoice(invoice, created.lines),
        payment: attempt ? serializePayment(attempt, refunded.get(attempt.id) ?? 0) : null,
      };
    },
  );

  return router;
}
