import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { buildDraftInvoice, type InvoiceItemInput } from '../../domain/invoice';
import { money } from '../../domain/money';
import { determineTax } from '../../domain/tax';
import { Customer, Invoice, InvoiceLine, SellerSettings } from '../entities';
import { StoreError } from './errors';
import { appendDomainEvent } from './events';
import { attachInvoiceItems, draftItemOf, pendingInvoiceItems } from './invoice-items';
import { createManualInvoice, finalizeInvoice } from './invoices';

/** A line given with the invoice itself rather than waiting as an invoice item; negative credits. */
export type OneOffLine = {
  description: string;
  amount: number;
  quantity?: number;
  unitAmount?: number;
  periodStart?: string;
  periodEnd?: string;
};

export type OneOffInvoiceInput = {
  /** Derived from the caller's Idempotency-Key: a second call with it returns the first invoice. */
  invoiceId: string;
  customerId: string;
  currency: string;
  lines: readonly OneOffLine[];
  /** Also bill the customer's pending items that have no subscription, in this currency. */
  includePendingItems: boolean;
  /**
   * Set when the invoice is to be charged at once: an invoice with something due and no payment method to charge
   * is then refused before anything is written.
   */
  collectWith?: { paymentMethodId: string | null };
  /** Finalization time (the number's year, the invoice date); a test clock's time under one. */
  at: string;
};

export type OneOffInvoiceResult = { invoice: Invoice; lines: InvoiceLine[]; created: boolean };

/**
 * Creates, bills and finalizes a customer's invoice outside any subscription, in one transaction: its inline lines
 * and (if asked) the customer's pending items without a subscription, oldest first, with tax and the customer's
 * credit balance as on a renewal, numbered at `at`. Tax-exclusive: amounts are net. The customer row is locked
 * first, so two one-off invoices of one customer never bill the same item or spend the same credit; an item that a
 * renewal billed meanwhile makes the whole invoice roll back (`invoice_items_changed`), never bill it twice. Nothing is
 * charged here. The same invoice id again returns the first invoice, whatever the input.
 */
export async function createOneOffInvoice(
  em: EntityManager,
  input: OneOffInvoiceInput,
): Promise<OneOffInvoiceResult> {
  return em.transactional(async (tx) => {
    const customer = await tx.findOne(Customer, input.customerId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    if (!customer) throw new StoreError('not_found', `Customer ${input.customerId} does not exist`);
    const existing = await tx.findOne(Invoice, input.invoiceId, { refresh: true });
    if (existing) {
      if (existing.customer.id !== customer.id || existing.billingReason !== 'manual') {
        throw new StoreError(
          'idempotency_conflict',
          `Invoice ${existing.id} was created for another request`,
        );
      }
      const lines = await tx.find(InvoiceLine, { invoice: existing }, { orderBy: { position: 'asc' } });
      return { invoice: existing, lines, created: false };
    }
    const seller = await tx.findOne(SellerSettings, 1);
    if (!seller) throw new StoreError('seller_not_configured', 'Seller settings are missing');

    const pending = input.includePendingItems
      ? await pendingInvoiceItems(tx, {
          customerId: customer.id,
          currency: input.currency,
          subscriptionId: null,
        })
      : [];
    if (pending.length === 0 && input.lines.length === 0) {
      throw new StoreError(
        'nothing_to_invoice',
        `Customer ${customer.id} has no pending ${input.currency} items without a subscription, and no lines were given`,
        'lines',
      );
    }
    const inline: InvoiceItemInput[] = input.lines.map((line) => ({
      kind: 'one_off',
      description: line.description,
      amount: money(line.amount, input.currency),
      quantity: line.quantity ?? 1,
      ...(line.unitAmount === undefined ? {} : { unitAmount: line.unitAmount }),
      ...(line.periodStart === undefined ? {} : { periodStart: line.periodStart }),
      ...(line.periodEnd === undefined ? {} : { periodEnd: line.periodEnd }),
    }));
    const draft = buildDraftInvoice({
      currency: input.currency,
      items: [...pending.map(draftItemOf), ...inline],
      tax: determineTax(
        { country: seller.country, vatId: seller.vatId ?? undefined },
        { country: customer.country, vatId: customer.vatId ?? undefined },
      ),
      pricesIncludeTax: false,
      creditBalance: money(
        customer.balanceCurrency === input.currency ? customer.balance : 0,
        input.currency,
      ),
    });
    if (input.collectWith && draft.amountDue > 0 && !input.collectWith.paymentMethodId) {
      throw new StoreError(
        'no_payment_method',
        `Customer ${customer.id} has no payment method to charge`,
        'collect',
      );
    }

    await createManualInvoice(tx, { customerId: customer.id, invoiceId: input.invoiceId, draft });
    const attached = await attachInvoiceItems(
      tx,
      pending.map((item) => item.id),
      input.invoiceId,
    );
    if (attached !== pending.length) {
      throw new StoreError(
        'invoice_items_changed',
        'Pending invoice items were billed elsewhere meanwhile; retry',
      );
    }
    const invoice = await finalizeInvoice(tx, input.invoiceId, { at: input.at });
    await appendDomainEvent(tx, {
      key: `${invoice.id}:finalized`,
      type: 'invoice.finalized',
      customerId: customer.id,
      data: {
        invoiceId: invoice.id,
        number: invoice.number ?? null,
        amountDue: invoice.amountDue,
        at: input.at,
      },
      occurredAt: input.at,
    });
    const lines = await tx.find(InvoiceLine, { invoice }, { orderBy: { position: 'asc' } });
    return { invoice, lines, created: true };
  });
}
