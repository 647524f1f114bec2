import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import type { DraftInvoice } from '../../domain/invoice';
import { newId } from '../ids';
import { type BillingReason, Customer, Invoice, InvoiceLine, SellerSettings } from '../entities';
import { adjustCustomerBalance } from './credit';
import { attachInvoiceItems } from './invoice-items';
import { sqlRows } from '../direct-read';
import { StoreError } from './errors';
import { toDate, toOptionalDate } from './instants';

export type RenewalInvoiceInput = {
  subscriptionId: string;
  /** The period billed; null for a mid-period invoice, which `invoiceId` then keys instead. */
  periodIndex: number | null;
  /** A caller-derived id makes a mid-period invoice idempotent: a second call finds the first. */
  invoiceId?: string;
  billingReason?: BillingReason;
  periodStart: string;
  periodEnd: string;
  /** Built by `buildDraftInvoice` with the customer's balance at the time; used only by the first call. */
  draft: DraftInvoice;
  dueAt?: string;
  /** Pending invoice items the draft carries: marked billed on this invoice in the same transaction. */
  pendingItemIds?: readonly string[];
};

export type RenewalInvoiceResult = { invoice: Invoice; lines: InvoiceLine[]; created: boolean };

/** `<prefix><year>-<at least 6 digits>`, e.g. `2026-000042` or `INV-2026-000042`. */
const NUMBER_DIGITS = 6;
const numberPrefix = (prefix: string, year: number) => `${prefix}${year}-`;

/** `finalizeInvoice` writes the same form in SQL. */
export function formatInvoiceNumber(prefix: string, year: number, sequence: number): string {
  return `${numberPrefix(prefix, year)}${String(sequence).padStart(NUMBER_DIGITS, '0')}`;
}

function assertDraftInvariant(draft: DraftInvoice): void {
  const linesTotal = draft.lines.reduce((acc, line) => acc + line.amount, 0);
  if (linesTotal !== draft.subtotal - draft.discountTotal) {
    throw new StoreError('invalid_input', 'Draft lines do not add up to subtotal − discounts');
  }
}

/** One invoice row and its lines as `createOrGetRenewalInvoice` and `createManualInvoice` write them. */
type DraftInvoiceRow = {
  id: string;
  customerId: string;
  subscriptionId: string | null;
  periodIndex: number | null;
  billingReason: BillingReason;
  periodStart?: string;
  periodEnd?: string;
  dueAt?: string;
  draft: DraftInvoice;
  /** What makes a second call the same invoice: the subscription's period index, or the invoice id. */
  keyedBy: 'period' | 'id';
  pendingItemIds?: readonly string[];
};

/**
 * Inserts the draft once: a second call with the same key (the invoice id, or the subscription's period index) finds
 * the first invoice instead. Only the call that inserted books the credit the draft takes from (or gives to) the
 * customer's balance, in the caller's transaction.
 */
async function insertDraftOnce(tx: EntityManager, row: DraftInvoiceRow): Promise<RenewalInvoiceResult> {
  const { draft, id } = row;
  const keyedByPeriod = row.keyedBy === 'period';
  const inserted = await tx
    .createQueryBuilder(Invoice)
    .insert({
      id,
      customer: row.customerId,
      subscription: row.subscriptionId,
      periodIndex: row.periodIndex,
      billingReason: row.billingReason,
      currency: draft.currency,
      subtotal: draft.subtotal,
      discountTotal: draft.discountTotal,
      taxTotal: draft.taxes.reduce((acc, tax) => acc + tax.amount, 0),
      total: draft.total,
      creditApplied: draft.creditApplied,
      creditToBalance: draft.creditToBalance,
      amountDue: draft.amountDue,
      taxes: draft.taxes,
      notes: draft.notes,
      periodStart: toOptionalDate(row.periodStart),
      periodEnd: toOptionalDate(row.periodEnd),
      dueAt: toOptionalDate(row.dueAt),
    })
    .onConflict(keyedByPeriod ? ['subscription', 'periodIndex'] : ['id'])
    .ignore()
    .returning('*')
    .execute<Record<string, unknown>[]>('all', false);

  const [insertedRow] = inserted;
  if (!insertedRow) {
    const invoice = await tx.findOneOrFail(
      Invoice,
      keyedByPeriod ? { subscription: row.subscriptionId, periodIndex: row.periodIndex } : { id },
      { refresh: true },
    );
    const lines = await tx.find(InvoiceLine, { invoice }, { orderBy: { position: 'asc' } });
    return { invoice, lines, created: false };
  }

  const lineRows = draft.lines.length
    ? await tx
        .createQueryBuilder(InvoiceLine)
        .insert(
          draft.lines.map((line, position) => ({
            invoice: id,
            position,
            kind: line.kind,
            description: line.description,
            quantity: line.quantity,
            unitAmount: line.unitAmount ?? null,
            amount: line.amount,
            periodStart: toOptionalDate(line.periodStart),
            periodEnd: toOptionalDate(line.periodEnd),
            couponId: line.couponId ?? null,
            subscriptionItemId: line.itemId ?? null,
            taxRateBp: line.taxRateBp ?? null,
          })),
        )
        .returning('*')
        .execute<Record<string, unknown>[]>('all', false)
    : [];
  const pending = row.pendingItemIds ?? [];
  if (pending.length > 0 && (await attachInvoiceItems(tx, [...pending], id)) !== pending.length) {
    // Another invoice took some of them meanwhile: the draft is stale, and the caller's retry rebuilds it.
    throw new Error(`Pending invoice items of ${id} were billed elsewhere meanwhile; rebuild the draft`);
  }
  const { customerId } = row;
  if (draft.creditApplied > 0) {
    await adjustCustomerBalance(tx, {
      customerId,
      amount: -draft.creditApplied,
      currency: draft.currency,
      sourceKey: `invoice:${id}:credit_applied`,
      description: `Credit applied to invoice ${id}`,
    });
  }
  if (draft.creditToBalance > 0) {
    await adjustCustomerBalance(tx, {
      customerId,
      amount: draft.creditToBalance,
      currency: draft.currency,
      sourceKey: `invoice:${id}:credit_to_balance`,
      description: `Negative total of invoice ${id} credited to the balance`,
    });
  }
  // The rows as inserted, defaults included: nothing to read back.
  const invoice = tx.map(Invoice, insertedRow);
  const lines = lineRows.map((line) => tx.map(InvoiceLine, line)).sort((a, b) => a.position - b.position);
  return { invoice, lines, created: true };
}

/**
 * The invoice of one subscription period, created at most once: the insert is ignored on the
 * (subscription, period index) unique constraint and the first invoice is returned instead. A concurrent
 * second caller waits on that constraint until the first commits, then reads its invoice. The credit the
 * draft takes from (or gives to) the customer's balance is booked in the same transaction.
 */
export async function createOrGetRenewalInvoice(
  em: EntityManager,
  input: RenewalInvoiceInput,
): Promise<RenewalInvoiceResult> {
  const { draft } = input;
  assertDraftInvariant(draft);
  return em.transactional(async (tx) => {
    // Three columns, not the entity: hydrating the row's state and its customer cost more than the statement.
    const [subscription] = await sqlRows<{ id: string; currency: string; customer_id: string }>(
      tx,
      'select id, currency, customer_id from subscriptions where id = $1',
      [input.subscriptionId],
    );
    if (!subscription)
      throw new StoreError('not_found', `Subscription ${input.subscriptionId} does not exist`);
    if (subscription.currency !== draft.currency) {
      throw new StoreError(
        'currency_mismatch',
        `Subscription ${subscription.id} bills in ${subscription.currency}, the draft is in ${draft.currency}`,
      );
    }
    if (input.periodIndex === null && input.invoiceId === undefined) {
      throw new StoreError('invalid_input', 'An invoice without a period index needs an invoice id');
    }
    return insertDraftOnce(tx, {
      id: input.invoiceId ?? newId('in'),
      customerId: subscription.customer_id,
      subscriptionId: subscription.id,
      periodIndex: input.periodIndex,
      billingReason: input.billingReason ?? 'subscription_cycle',
      periodStart: input.periodStart,
      periodEnd: input.periodEnd,
      ...(input.dueAt === undefined ? {} : { dueAt: input.dueAt }),
      draft,
      keyedBy: input.invoiceId === undefined ? 'period' : 'id',
      ...(input.pendingItemIds ? { pendingItemIds: input.pendingItemIds } : {}),
    });
  });
}

export type ManualInvoiceInput = {
  customerId: string;
  /** Caller-derived (e.g. from an Idempotency-Key), so a repeated call finds the first invoice. */
  invoiceId: string;
  draft: DraftInvoice;
  dueAt?: string;
};

/**
 * A draft invoice of a customer outside any subscription (`billing_reason` `manual`), created at most once per
 * invoice id; the credit its draft takes from or gives to the balance is booked in the same transaction.
 */
export async function createManualInvoice(
  em: EntityManager,
  input: ManualInvoiceInput,
): Promise<RenewalInvoiceResult> {
  assertDraftInvariant(input.draft);
  return em.transactional(async (tx) => {
    const customer = await tx.findOne(Customer, input.customerId);
    if (!customer) throw new StoreError('not_found', `Customer ${input.customerId} does not exist`);
    return insertDraftOnce(tx, {
      id: input.invoiceId,
      customerId: customer.id,
      subscriptionId: null,
      periodIndex: null,
      billingReason: 'manual',
      ...(input.dueAt === undefined ? {} : { dueAt: input.dueAt }),
      draft: input.draft,
      keyedBy: 'id',
    });
  });
}

function sellerYear(at: Date, timeZone: string): number {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  if (!local.isValid) throw new StoreError('invalid_state', `Seller time zone ${timeZone} is not valid`);
  return local.year;
}

/**
 * Numbers and opens a draft in one statement: the invoice row is locked, the seller's yearly sequence row
 * incremented (`insert … on conflict do update`, which locks it) and the invoice updated, and outside a caller's
 * transaction both locks are released when the statement ends. Finalizations of one year still run one after
 * another, but each holds the sequence row for the statement's own microseconds inside PostgreSQL, never across a
 * round trip to a busy worker (a renewal storm had its finalizations queued behind one lock held for a
 * transaction's several round trips). A failure anywhere in the statement, or in the caller's transaction, hands
 * the number back, so the committed numbers have no gaps and no duplicates. Nothing is charged here; an invoice
 * with nothing due is paid at once (as Stripe does). A non-draft invoice is refused: a finalized invoice is
 * immutable. The seller's settings are read first, so a seller without settings is reported before a missing or
 * finalized invoice.
 */
export async function finalizeInvoice(
  em: EntityManager,
  invoiceId: string,
  options: { at?: string } = {},
): Promise<Invoice> {
  const at = options.at === undefined ? new Date() : toDate(options.at);
  const seller = await em.findOne(SellerSettings, 1);
  if (!seller) throw new StoreError('seller_not_configured', 'Seller settings are missing');
  const year = sellerYear(at, seller.timeZone);
  const numbered = await em.execute<Record<string, unknown>[]>(
    `with target as (
       select id from invoices where id = ? and status = 'draft' for update
     ), next_number as (
       insert into invoice_number_sequences (year, last_number) select ?, 1 from target
       on conflict (year) do update
         set last_number = invoice_number_sequences.last_number + 1, updated_at = now()
       returning last_number
     )
     update invoices i
        set number = ? || case when length(n.last_number::text) >= ${NUMBER_DIGITS}
                               then n.last_number::text
                               else lpad(n.last_number::text, ${NUMBER_DIGITS}, '0') end,
            finalized_at = ?,
            status = case when i.amount_due = 0 then 'paid' else 'open' end,
            paid_at = case when i.amount_due = 0 then ? else i.paid_at end,
            version = i.version + 1,
            updated_at = clock_timestamp()
       from target, next_number n
      where i.id = target.id
      returning i.*`,
    [invoiceId, year, numberPrefix(seller.invoicePrefix, year), at, at],
  );
  // The numbered row as it came back (the identity map's copy updated with it), without reading it again.
  const [row] = numbered;
  if (row) return em.map(Invoice, row);
  const invoice = await em.findOne(Invoice, invoiceId, { refresh: true });
  if (!invoice) throw new StoreError('not_found', `Invoice ${invoiceId} does not exist`);
  throw new StoreError(
    'invoice_not_draft',
    `Invoice ${invoiceId} is ${invoice.status} (number ${invoice.number ?? 'none'}); only a draft can be finalized`,
  );
}
