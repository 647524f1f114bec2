import type { EntityManager } from '@mikro-orm/postgresql';
import type { InvoiceItemInput as DraftItem } from '../../domain/invoice';
import { isKnownCurrency, money } from '../../domain/money';
import { Customer, Invoice, InvoiceItem, type InvoiceItemKind } from '../entities';
import { newId } from '../ids';
import { sqlRows } from '../direct-read';
import { StoreError } from './errors';
import { toDate, toOptionalDate } from './instants';

export type NewInvoiceItem = {
  customerId: string;
  /** Set: the item waits for that subscription's next invoice. Unset: for the customer's next invoice of any kind. */
  subscriptionId?: string | null;
  currency: string;
  /** Minor units, signed: negative is a credit. */
  amount: number;
  description: string;
  quantity?: number;
  unitAmount?: number | null;
  /** The service period the item pays for, both or neither. */
  periodStart?: string;
  periodEnd?: string;
  kind?: InvoiceItemKind;
  /** A second create with the same key returns the first item instead of adding another. */
  idempotencyKey?: string;
  /** When it was created; under a test clock the clock's time. Orders the items on their invoice. Defaults to now. */
  createdAt?: string;
};

function assertNewItem(input: NewInvoiceItem): void {
  const invalid = (message: string) => new StoreError('invalid_input', message);
  if (!isKnownCurrency(input.currency)) throw invalid(`${input.currency} is not a billable currency`);
  if (!Number.isSafeInteger(input.amount))
    throw invalid(`Amount must be a safe integer, got ${input.amount}`);
  const quantity = input.quantity ?? 1;
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw invalid(`Quantity must be a non-negative integer, got ${quantity}`);
  }
  if (input.unitAmount != null && !Number.isSafeInteger(input.unitAmount)) {
    throw invalid(`Unit amount must be a safe integer, got ${input.unitAmount}`);
  }
  if (input.description.length === 0) throw invalid('An invoice item needs a description');
  if ((input.periodStart === undefined) !== (input.periodEnd === undefined)) {
    throw invalid('A service period needs both its start and its end');
  }
  if (
    input.periodStart !== undefined &&
    input.periodEnd !== undefined &&
    toDate(input.periodEnd) <= toDate(input.periodStart)
  ) {
    throw invalid('A service period must end after it starts');
  }
}

/**
 * Adds a pending item for the customer's next invoice. With an idempotency key the insert is ignored on the key's
 * unique constraint and the first item is returned, also to a concurrent second caller; the same key used for
 * another customer, amount or currency is refused. A subscription's item must share its customer and currency.
 */
export async function createInvoiceItem(em: EntityManager, input: NewInvoiceItem): Promise<InvoiceItem> {
  assertNewItem(input);
  return em.transactional(async (tx) => {
    const key = input.idempotencyKey;
    const sameRequest = (item: InvoiceItem): InvoiceItem => {
      if (
        item.customer.id !== input.customerId ||
        item.amount !== input.amount ||
        item.currency !== input.currency
      ) {
        throw new StoreError('idempotency_conflict', `Invoice item key ${key} was used for another item`);
      }
      return item;
    };
    if (key !== undefined) {
      const existing = await tx.findOne(InvoiceItem, { idempotencyKey: key }, { refresh: true });
      if (existing) return sameRequest(existing);
    }
    const customer = await tx.findOne(Customer, input.customerId);
    if (!customer) throw new StoreError('not_found', `Customer ${input.customerId} does not exist`);
    if (input.subscriptionId) {
      // Plain columns, not the entity: a transition's commit writes this row around the ORM in the same transaction.
      const [subscription] = await sqlRows<{ id: string; customer_id: string; currency: string }>(
        tx,
        'select id, customer_id, currency from subscriptions where id = $1',
        [input.subscriptionId],
      );
      if (!subscription || subscription.customer_id !== customer.id) {
        throw new StoreError(
          'not_found',
          `Customer ${customer.id} has no subscription ${input.subscriptionId}`,
        );
      }
      if (subscription.currency !== input.currency) {
        throw new StoreError(
          'currency_mismatch',
          `Subscription ${subscription.id} bills in ${subscription.currency}, the item is in ${input.currency}`,
        );
      }
    }
    const id = newId('ii');
    const insert = tx.createQueryBuilder(InvoiceItem).insert({
      id,
      customer: customer.id,
      subscription: input.subscriptionId ?? null,
      currency: input.currency,
      amount: input.amount,
      description: input.description,
      quantity: input.quantity ?? 1,
      unitAmount: input.unitAmount ?? null,
      periodStart: toOptionalDate(input.periodStart),
      periodEnd: toOptionalDate(input.periodEnd),
      kind: input.kind ?? 'one_off',
      idempotencyKey: key ?? null,
      ...(input.createdAt === undefined ? {} : { createdAt: toDate(input.createdAt) }),
    });
    if (key === undefined) {
      await insert.execute('run');
      return tx.findOneOrFail(InvoiceItem, id);
    }
    await insert.onConflict(['idempotencyKey']).ignore().execute('run');
    return sameRequest(await tx.findOneOrFail(InvoiceItem, { idempotencyKey: key }, { refresh: true }));
  });
}

export type PendingItemsQuery = {
  customerId: string;
  currency: string;
  /** The invoice's subscription; null for an invoice without one, which takes only items without one. */
  subscriptionId: string | null;
};

/**
 * The items an invoice of this customer, currency and subscription would bill now: the subscription's own pending
 * items and the customer's pending items without a subscription, oldest first.
 */
export function pendingInvoiceItems(em: EntityManager, query: PendingItemsQuery): Promise<InvoiceItem[]> {
  return em.find(
    InvoiceItem,
    {
      customer: query.customerId,
      currency: query.currency,
      invoice: null,
      $or: [
        { subscription: null },
        ...(query.subscriptionId === null ? [] : [{ subscription: query.subscriptionId }]),
      ],
    },
    { orderBy: { createdAt: 'asc', id: 'asc' }, refresh: true },
  );
}

/**
 * Marks items billed on an invoice, in the caller's transaction. Only items still pending that fit the invoice
 * (its customer, currency, and its subscription or none) are marked; the count tells the caller whether all were.
 * A concurrent invoice that took one of them first makes the count fall short, and the caller rolls back instead
 * of billing it twice. Entities already loaded in `em` are not refreshed.
 */
export async function attachInvoiceItems(
  em: EntityManager,
  itemIds: readonly string[],
  invoiceId: string,
): Promise<number> {
  if (itemIds.length === 0) return 0;
  const invoice = await em.findOne(Invoice, invoiceId, { refresh: true });
  if (!invoice) throw new StoreError('not_found', `Invoice ${invoiceId} does not exist`);
  const result = await em
    .createQueryBuilder(InvoiceItem)
    .update({ invoice: invoice.id })
    .where({
      id: { $in: [...itemIds] },
      invoice: null,
      customer: invoice.customer.id,
      currency: invoice.currency,
      $or: [
        { subscription: null },
        ...(invoice.subscription ? [{ subscription: invoice.subscription.id }] : []),
      ],
    })
    .execute('run');
  return result.affectedRows;
}

/** The draft-invoice line of a pending item; an item's kind is also its line's kind. */
export function draftItemOf(item: InvoiceItem): DraftItem {
  return {
    kind: item.kind,
    description: item.description,
    amount: money(item.amount, item.currency),
    quantity: item.quantity,
    ...(item.unitAmount == null ? {} : { unitAmount: item.unitAmount }),
    ...(item.periodStart ? { periodStart: item.periodStart.toISOString() } : {}),
    ...(item.periodEnd ? { periodEnd: item.periodEnd.toISOString() } : {}),
  };
}

/**
 * Deletes an item only while it is pending, in one statement, so an invoice billing it at the same moment either
 * takes it first (the delete reports `billed`) or finds it gone.
 */
export async function deletePendingInvoiceItem(
  em: EntityManager,
  id: string,
): Promise<'deleted' | 'billed' | 'not_found'> {
  const deleted = await em.nativeDelete(InvoiceItem, { id, invoice: null });
  if (deleted > 0) return 'deleted';
  return (await em.count(InvoiceItem, { id })) > 0 ? 'billed' : 'not_found';
}
