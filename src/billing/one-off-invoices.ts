import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import {
  Customer,
  DomainEvent,
  Invoice,
  type InvoiceLine,
  PaymentAttempt,
  PaymentMethod,
} from '../db/entities';
import type { Orm } from '../db/orm.config';
import { StoreError } from '../db/services/errors';
import { appendDomainEvent } from '../db/services/events';
import { chargeInvoiceAttempt } from '../db/services/invoice-collection';
import { createOneOffInvoice, type OneOffLine } from '../db/services/one-off-invoices';
import { paymentIdempotencyKey } from '../db/services/payments';
import { clockTimeForCustomer } from '../db/services/test-clocks';
import type { PaymentGateway } from '../gateways';
import type { Logger } from '../logging';
import { queueInvoiceReceipt } from '../mail/outbox';
import { dispatchWebhooks } from '../webhooks/dispatch';

export interface OneOffInvoiceDeps {
  orm: Orm;
  client: Client;
  taskQueue: string;
  logger: Logger;
}

export interface OneOffInvoiceRequest {
  /** Derived from the caller's Idempotency-Key when there is one, so a retry reaches the same invoice and charge. */
  invoiceId: string;
  customerId: string;
  currency: string;
  lines: readonly OneOffLine[];
  includePendingItems: boolean;
  /** Charge the customer's default payment method at once, through this gateway; otherwise leave it open. */
  collectWith: PaymentGateway | null;
}

export interface BilledOneOffInvoice {
  invoice: Invoice;
  lines: InvoiceLine[];
  /** The charge attempt when collected now (paid, declined, or still pending after a timeout). */
  attempt: PaymentAttempt | null;
}

/**
 * Creates and finalizes a one-off invoice outside any subscription and, if asked, charges it at once: a decline is
 * an answer (the invoice stays open), a gateway without an answer leaves the attempt pending under its key, for the
 * retry to settle at the gateway before charging. Its events are recorded and delivered to webhook endpoints.
 */
export async function billOneOffInvoice(
  deps: OneOffInvoiceDeps,
  request: OneOffInvoiceRequest,
): Promise<BilledOneOffInvoice> {
  const em = deps.orm.em.fork();
  const customer = await em.findOne(Customer, request.customerId);
  if (!customer) {
    throw new StoreError(
      'unknown_reference',
      `customer_id: no such object ${request.customerId}`,
      'customer_id',
    );
  }
  const gateway = request.collectWith;
  const paymentMethod = gateway
    ? await em.findOne(PaymentMethod, { customer: customer.id, isDefault: true, detachedAt: null })
    : null;
  const at = (await clockTimeForCustomer(em, customer.id)) ?? new Date().toISOString();
  const created = await createOneOffInvoice(em, {
    invoiceId: request.invoiceId,
    customerId: customer.id,
    currency: request.currency,
    lines: request.lines,
    includePendingItems: request.includePendingItems,
    ...(gateway ? { collectWith: { paymentMethodId: paymentMethod?.id ?? null } } : {}),
    at,
  });

  let declined = false;
  if (gateway && created.invoice.status === 'open') {
    const outcome = await chargeInvoiceAttempt(deps.orm.em.fork(), gateway, {
      invoiceId: request.invoiceId,
      attempt: 1,
      paymentMethodId: paymentMethod?.id ?? null,
      metadata: { invoice_id: request.invoiceId, customer_id: customer.id },
      at,
    });
    declined = outcome.outcome === 'declined';
  }
  await recordOutcome(deps, request.invoiceId, declined, at);

  const read = deps.orm.em.fork();
  const invoice = await read.findOneOrFail(Invoice, request.invoiceId, { refresh: true });
  const attempt = gateway
    ? await read.findOne(
        PaymentAttempt,
        { idempotencyKey: paymentIdempotencyKey(request.invoiceId, 1) },
        { populate: ['invoice'] },
      )
    : null;
  return { invoice, lines: created.lines, attempt };
}

/**
 * Audit events of the invoice, its receipt when paid (in the same transaction) and their outbound webhooks; a
 * delivery that cannot start is logged, not fatal.
 */
async function recordOutcome(
  deps: OneOffInvoiceDeps,
  invoiceId: string,
  declined: boolean,
  at: string,
): Promise<void> {
  await deps.orm.em.fork().transactional((tx) => recordOutcomeIn(tx, invoiceId, declined, at));
  const events = await deps.orm.em.fork().find(DomainEvent, {
    key: { $in: ['finalized', 'paid', 'payment_failed:1'].map((suffix) => `${invoiceId}:${suffix}`) },
  });
  try {
    await dispatchWebhooks(
      { orm: deps.orm, client: deps.client, taskQueue: deps.taskQueue },
      events.map((event) => event.id),
    );
  } catch (error) {
    deps.logger.error({ err: error, invoiceId }, 'webhook deliveries of a one-off invoice could not start');
  }
}

async function recordOutcomeIn(
  em: EntityManager,
  invoiceId: string,
  declined: boolean,
  at: string,
): Promise<void> {
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
