import type { Request } from 'express';
import { Router } from 'express';
import { createHash } from 'node:crypto';
import { billOneOffInvoice, type OneOffInvoiceDeps } from '../../billing/one-off-invoices';
import { newId } from '../../db/ids';
import { refundedByAttempt } from '../../db/services/refunds';
import type { PaymentGateway } from '../../gateways';
import { businessKey, requireGateway } from '../money-requests';
import { defineRoute, type RouteRegistry } from '../route';
import { createdInvoiceResponseSchema, createInvoiceSchema } from '../schemas/invoices';
import { serializeInvoice } from './invoices';
import { serializePayment } from './payments';

/**
 * The invoice id a request creates: derived from the caller's key and Idempotency-Key, so a retry (also one after
 * the stored answer expired, or after an answer lost in a gateway timeout) reaches the same invoice and the same
 * charge attempt; without the header every request is a new invoice.
 */
function invoiceIdFor(req: Request): string {
  if (req.header('idempotency-key') === undefined) return newId('in');
  return `in_${createHash('sha256').update(businessKey(req, 'invoice')).digest('hex').slice(0, 24)}`;
}

/** `POST /v1/invoices`: a one-off invoice outside any subscription, optionally charged at once. */
export function oneOffInvoicesRouter(
  deps: OneOffInvoiceDeps & { gateway: PaymentGateway | undefined },
  registry: RouteRegistry,
): Router {
  const router = Router();

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
      const { invoice, lines, attempt } = await billOneOffInvoice(deps, {
        invoiceId: invoiceIdFor(req),
        customerId: body.customer_id,
        currency: body.currency,
        lines: (body.lines ?? []).map((line) => ({
          description: line.description,
          amount: line.amount,
          quantity: line.quantity ?? 1,
          ...(line.unit_amount === undefined ? {} : { unitAmount: line.unit_amount }),
          ...(line.period ? { periodStart: line.period.start, periodEnd: line.period.end } : {}),
        })),
        includePendingItems: body.pending_items === 'include',
        collectWith: body.collect === 'now' ? requireGateway(deps.gateway) : null,
      });
      const refunded = attempt
        ? await refundedByAttempt(deps.orm.em.fork(), [attempt])
        : new Map<string, number>();
      return {
        ...serializeInvoice(invoice, lines),
        payment: attempt ? serializePayment(attempt, refunded.get(attempt.id) ?? 0) : null,
      };
    },
  );

  return router;
}
