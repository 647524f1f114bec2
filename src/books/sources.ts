import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import {
  CreditNote,
  CreditNoteLine,
  Customer,
  Dispute,
  Invoice,
  InvoiceLine,
  PaymentAttempt,
  Plan,
  Product,
  Refund,
  SellerSettings,
  Subscription,
  SubscriptionItemRow,
} from '../db/entities';
import { invoiceTaxParts, splitGrossByTaxes, type TaxPart } from '../domain/allocation';
import { isEuMemberState } from '../domain/eu-vat-rates';
import {
  recognizeInvoice,
  type CalendarDate,
  type RevenueMovement,
  type RevenueReversal,
} from '../domain/revenue-recognition';
import { debtorAccount } from './accounts';
import type { LedgerCustomer, LedgerDocuments, LedgerRefund, TaxTreatment } from './journal';

/**
 * What the books read from PostgreSQL: finalized invoices, their voids, credit notes, payments and refunds, of live
 * customers only (a customer on a test clock is test mode and stays out of every figure). Days are the seller's.
 */

export class BooksError extends Error {
  constructor(
    readonly code: 'seller_not_configured' | 'debtor_range_exhausted',
    message: string,
  ) {
    super(message);
    this.name = 'BooksError';
  }
}

export async function sellerOf(em: EntityManager): Promise<SellerSettings> {
  const seller = await em.findOne(SellerSettings, 1);
  if (!seller) throw new BooksError('seller_not_configured', 'The seller settings have not been set yet');
  return seller;
}

/** The instants `[start, end)` of the calendar days `from`–`to` (inclusive) in the seller's zone. */
export function dayRange(from: CalendarDate, to: CalendarDate, timeZone: string): { start: Date; end: Date } {
  return {
    start: DateTime.fromISO(from, { zone: timeZone }).startOf('day').toJSDate(),
    end: DateTime.fromISO(to, { zone: timeZone }).plus({ days: 1 }).startOf('day').toJSDate(),
  };
}

export function localDate(instant: Date, timeZone: string): CalendarDate {
  return DateTime.fromJSDate(instant, { zone: timeZone }).toISODate() as CalendarDate;
}

const live = { customer: { testClockId: null } } as const;

/** How a sale to this customer is taxed, from the invoice's own tax lines and the two parties' countries. */
export function treatmentOf(
  parts: readonly TaxPart[],
  customerCountry: string,
  sellerCountry: string,
): TaxTreatment {
  if (parts.some((part) => part.reverseCharge)) return 'reverse_charge';
  if (customerCountry === sellerCountry || !isEuMemberState(sellerCountry)) return 'domestic';
  return isEuMemberState(customerCountry) ? 'oss' : 'export';
}

/**
 * How much of each refund no credit note covers, in the order the refunds were made: credit notes that returned
 * money (`refund` outcome) cover the invoice's refunds first. What is left corrects the invoice by itself.
 */
export function uncoveredRefunds(
  refunds: readonly Pick<Refund, 'id' | 'amount' | 'createdAt'>[],
  coveredByNotes: number,
): Map<string, number> {
  let budget = coveredByNotes;
  const result = new Map<string, number>();
  const ordered = [...refunds].sort(
    (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1),
  );
  for (const refund of ordered) {
    const covered = Math.min(budget, refund.amount);
    budget -= covered;
    result.set(refund.id, refund.amount - covered);
  }
  return result;
}

/** Refunds (not chargebacks) of the invoices and what of each no credit note covers. */
async function refundCoverage(
  em: EntityManager,
  invoiceIds: readonly string[],
): Promise<Map<string, number>> {
  if (invoiceIds.length === 0) return new Map();
  const [refunds, notes] = await Promise.all([
    em.find(Refund, { invoice: { $in: [...invoiceIds] }, kind: 'refund' }),
    em.find(CreditNote, { invoice: { $in: [...invoiceIds] }, outcome: 'refund' }),
  ]);
  const result = new Map<string, number>();
  for (const invoiceId of invoiceIds) {
    const covered = notes
      .filter((note) => note.invoice.id === invoiceId)
      .reduce((acc, note) => acc + note.amount, 0);
    for (const [id, amount] of uncoveredRefunds(
      refunds.filter((refund) => refund.invoice.id === invoiceId),
      covered,
    )) {
      result.set(id, amount);
    }
  }
  return result;
}

/**
 * Gives each customer who appears in the books its debtor number, once and for good: the next numbers in the order
 * the customers were created. An advisory lock serialises concurrent exports.
 */
async function assignDebtorNumbers(
  em: EntityManager,
  customerIds: readonly string[],
): Promise<Map<string, number>> {
  if (customerIds.length === 0) return new Map();
  await em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('perennial:debtor_numbers'))`);
    await tx.execute(
      `with base as (select coalesce(max(debtor_number), 0) as n from customers),
            fresh as (
              select id, row_number() over (order by created_at, id) as k
              from customers where debtor_number is null and id in (${customerIds.map(() => '?').join(', ')})
            )
       update customers c set debtor_number = base.n + fresh.k from base, fresh where c.id = fresh.id`,
      [...customerIds],
    );
  });
  const rows = await em
    .fork()
    .find(Customer, { id: { $in: [...customerIds] } }, { fields: ['id', 'debtorNumber'] });
  return new Map(rows.map((row) => [row.id, row.debtorNumber ?? 0]));
}

export type LedgerQuery = { from: CalendarDate; to: CalendarDate; currency?: string; accountLength: number };

/** The documents of a period as the journal books them, each customer with its personal debtor account. */
export async function loadLedgerDocuments(em: EntityManager, query: LedgerQuery): Promise<LedgerDocuments> {
  const seller = await sellerOf(em);
  const zone = seller.timeZone;
  const { start, end } = dayRange(query.from, query.to, zone);
  const inRange = { $gte: start, $lt: end };
  const currency = query.currency ? { currency: query.currency } : {};
  const [invoices, voids, notes, payments, refunds, disputes] = await Promise.all([
    em.find(Invoice, { ...live, ...currency, finalizedAt: inRange }, { populate: ['customer'] }),
    em.find(Invoice, { ...live, ...currency, status: 'void', voidedAt: inRange }, { populate: ['customer'] }),
    em.find(CreditNote, { ...live, ...currency, createdAt: inRange }, { populate: ['customer', 'invoice'] }),
    em.find(
      PaymentAttempt,
      { invoice: { ...live }, ...currency, status: 'succeeded', completedAt: inRange },
      { populate: ['invoice', 'invoice.customer'] },
    ),
    em.find(
      Refund,
      { invoice: { ...live }, ...currency, createdAt: inRange },
      { populate: ['invoice', 'invoice.customer'] },
    ),
    // The gateway's fee for a dispute, booked when the dispute closed (when gateways report it).
    em.find(
      Dispute,
      { invoice: { ...live }, ...currency, feeAmount: { $gt: 0 }, closedAt: inRange },
      { populate: ['invoice'] },
    ),
  ]);
  const noteLines = notes.length
    ? await em.find(
        CreditNoteLine,
        { creditNote: { $in: notes.map((note) => note.id) } },
        { orderBy: { position: 'asc' } },
      )
    : [];
  const customers = new Map<string, Customer>();
  for (const customer of [
    ...invoices.map((invoice) => invoice.customer),
    ...voids.map((invoice) => invoice.customer),
    ...notes.map((note) => note.customer),
    ...payments.map((payment) => payment.invoice.customer),
    ...refunds.map((refund) => refund.invoice.customer),
  ]) {
    customers.set(customer.id, customer);
  }
  const debtorNumbers = await assignDebtorNumbers(em, [...customers.keys()]);
  const ledgerCustomer = (customer: Customer): LedgerCustomer => {
    const number = debtorNumbers.get(customer.id) ?? 0;
    let account: number;
    try {
      account = debtorAccount(number, query.accountLength);
    } catch (error) {
      throw new BooksError('debtor_range_exhausted', error instanceof Error ? error.message : String(error));
    }
    return {
      id: customer.id,
      name: customer.name,
      debtorAccount: account,
      country: customer.country,
      vatId: customer.vatId,
    };
  };
  const invoiceParts = (invoice: Invoice) => invoiceTaxParts(invoice.taxes, invoice.total);
  const treatment = (parts: readonly TaxPart[], customer: Customer) =>
    treatmentOf(parts, customer.country, seller.country);
  const ledgerInvoice = (invoice: Invoice) => ({
    id: invoice.id,
    number: invoice.number ?? invoice.id,
    date: localDate(invoice.finalizedAt as Date, zone),
    currency: invoice.currency,
    customer: ledgerCustomer(invoice.customer),
    parts: invoiceParts(invoice),
    treatment: treatment(invoiceParts(invoice), invoice.customer),
  });
  const coverage = await refundCoverage(em, [
    ...new Set(refunds.filter((refund) => refund.kind === 'refund').map((refund) => refund.invoice.id)),
  ]);
  return {
    invoices: invoices.map(ledgerInvoice),
    voids: voids
      .filter((invoice) => invoice.finalizedAt && invoice.voidedAt)
      .map((invoice) => ({ ...ledgerInvoice(invoice), voidedOn: localDate(invoice.voidedAt as Date, zone) })),
    creditNotes: notes.map((note) => {
      const parts: TaxPart[] = noteLines
        .filter((line) => line.creditNote.id === note.id)
        .map((line) => ({
          rateBp: line.rateBp,
          reverseCharge: line.reverseCharge,
          inclusive: line.inclusive,
          taxable: line.taxable,
          tax: line.tax,
        }));
      return {
        id: note.id,
        number: note.number,
        date: localDate(note.createdAt, zone),
        currency: note.currency,
        customer: ledgerCustomer(note.customer),
        invoiceNumber: note.invoice.number ?? note.invoice.id,
        parts,
        treatment: treatment(parts, note.customer),
      };
    }),
    payments: payments.map((payment) => ({
      id: payment.id,
      date: localDate(payment.completedAt as Date, zone),
      currency: payment.currency,
      customer: ledgerCustomer(payment.invoice.customer),
      amount: payment.amount,
      invoiceNumber: payment.invoice.number ?? payment.invoice.id,
    })),
    refunds: refunds.map((refund): LedgerRefund => {
      const uncovered = coverage.get(refund.id) ?? 0;
      const invoice = refund.invoice;
      const parts = uncovered > 0 ? splitGrossByTaxes(uncovered, invoice.taxes, invoice.total) : [];
      return {
        id: refund.id,
        date: localDate(refund.createdAt, zone),
        currency: refund.currency,
        customer: ledgerCustomer(invoice.customer),
        amount: refund.amount,
        invoiceNumber: invoice.number ?? invoice.id,
        kind: refund.kind,
        ...(parts.length > 0
          ? { correction: { parts, treatment: treatment(invoiceParts(invoice), invoice.customer) } }
          : {}),
      };
    }),
    // Dispute fees are the only gateway fees Perennial records; charge fees would be booked the same way.
    fees: disputes.map((dispute) => ({
      id: dispute.id,
      date: localDate(dispute.closedAt as Date, zone),
      currency: dispute.currency,
      amount: dispute.feeAmount ?? 0,
      reference: dispute.invoice.number ?? dispute.invoice.id,
      description: `Gebühr Rückbelastung Rechnung ${dispute.invoice.number ?? dispute.invoice.id}`,
    })),
  };
}

export type RevenueDimensions = {
  currency: string;
  productId: string | null;
  productName: string | null;
  taxCountry: string;
};

/**
 * Every revenue movement of the documents dated up to `through`: each finalized invoice line of a live customer on
 * its days, and what its credit notes, uncovered refunds and void take back. A line's product is its subscription's
 * plan's product (one-off invoices have none); its tax country is the customer's, where the service is supplied.
 */
export async function loadRevenueMovements(
  em: EntityManager,
  through: CalendarDate,
): Promise<{ movements: (RevenueMovement & { dimensions: RevenueDimensions })[]; timeZone: string }> {
  const seller = await sellerOf(em);
  const zone = seller.timeZone;
  const { end } = dayRange(through, through, zone);
  const invoices = await em.find(
    Invoice,
    { ...live, finalizedAt: { $lt: end }, status: { $ne: 'draft' } },
    { populate: ['customer'], orderBy: { finalizedAt: 'asc', id: 'asc' } },
  );
  if (invoices.length === 0) return { movements: [], timeZone: zone };
  const ids = invoices.map((invoice) => invoice.id);
  const [lines, notes, refunds, coverage] = await Promise.all([
    em.find(InvoiceLine, { invoice: { $in: ids } }, { orderBy: { position: 'asc' } }),
    em.find(CreditNote, { invoice: { $in: ids }, createdAt: { $lt: end } }),
    em.find(Refund, { invoice: { $in: ids }, kind: 'refund', createdAt: { $lt: end } }),
    refundCoverage(em, ids),
  ]);
  const noteLines = notes.length
    ? await em.find(CreditNoteLine, { creditNote: { $in: notes.map((note) => note.id) } })
    : [];
  const subscriptionIds = [
    ...new Set(invoices.flatMap((invoice) => (invoice.subscription ? [invoice.subscription.id] : []))),
  ];
  const subscriptions = subscriptionIds.length
    ? await em.find(Subscription, { id: { $in: subscriptionIds } }, { populate: ['plan', 'plan.product'] })
    : [];
  const productOf = new Map<string, Product>(
    subscriptions.map((subscription) => [subscription.id, (subscription.plan as Plan).product]),
  );
  const itemIds = [
    ...new Set(lines.flatMap((line) => (line.subscriptionItemId ? [line.subscriptionItemId] : []))),
  ];
  const items = itemIds.length
    ? await em.find(SubscriptionItemRow, { id: { $in: itemIds } }, { populate: ['plan', 'plan.product'] })
    : [];
  const productOfItem = new Map<string, Product>(items.map((item) => [item.id, (item.plan as Plan).product]));
  /**
   * A line's product: its subscription item's plan's; one-off charges and dispute fees have none; lines from before
   * items were recorded take their subscription's plan's.
   */
  const productOfLine = (line: InvoiceLine, invoice: Invoice): Product | undefined => {
    if (line.subscriptionItemId) return productOfItem.get(line.subscriptionItemId);
    if (line.kind === 'one_off' || line.kind === 'dispute_fee') return undefined;
    return invoice.subscription ? productOf.get(invoice.subscription.id) : undefined;
  };

  const movements: (RevenueMovement & { dimensions: RevenueDimensions })[] = [];
  for (const invoice of invoices) {
    if (!invoice.finalizedAt) continue;
    const parts = invoiceTaxParts(invoice.taxes, invoice.total);
    const reversals: RevenueReversal[] = [
      ...notes
        .filter((note) => note.invoice.id === invoice.id)
        .map((note) => ({
          source: note.id,
          at: note.createdAt.toISOString(),
          parts: noteLines
            .filter((line) => line.creditNote.id === note.id)
            .map((line) => ({ rateBp: line.rateBp, taxable: line.taxable })),
        })),
      ...refunds
        .filter((refund) => refund.invoice.id === invoice.id && (coverage.get(refund.id) ?? 0) > 0)
        .map((refund) => ({
          source: refund.id,
          at: refund.createdAt.toISOString(),
          parts: splitGrossByTaxes(coverage.get(refund.id) ?? 0, invoice.taxes, invoice.total),
        })),
      ...(invoice.status === 'void' && invoice.voidedAt && invoice.voidedAt < end
        ? [{ source: `${invoice.id}:void`, at: invoice.voidedAt.toISOString(), parts }]
        : []),
    ];
    const invoiceLines = lines.filter((line) => line.invoice.id === invoice.id);
    const dimensionsOf = new Map<string, RevenueDimensions>(
      invoiceLines.map((line) => {
        const product = productOfLine(line, invoice);
        return [
          line.id,
          {
            currency: invoice.currency,
            productId: product?.id ?? null,
            productName: product?.name ?? null,
            taxCountry: invoice.customer.country,
          },
        ];
      }),
    );
    for (const movement of recognizeInvoice({
      invoiceId: invoice.id,
      finalizedAt: invoice.finalizedAt.toISOString(),
      invoice: {
        lines: invoiceLines.map((line) => ({
          id: line.id,
          amount: line.amount,
          discount: line.kind === 'discount',
          ...(line.taxRateBp == null ? {} : { taxRateBp: line.taxRateBp }),
          ...(line.periodStart && line.periodEnd
            ? { periodStart: line.periodStart.toISOString(), periodEnd: line.periodEnd.toISOString() }
            : {}),
        })),
        parts,
      },
      reversals,
      timeZone: zone,
    })) {
      const dimensions = dimensionsOf.get(movement.lineId);
      if (dimensions) movements.push({ ...movement, dimensions });
    }
  }
  return { movements, timeZone: zone };
}

export type OpenInvoice = {
  invoiceId: string;
  number: string;
  customerId: string;
  customerName: string;
  currency: string;
  due: CalendarDate;
  outstanding: number;
};

/**
 * The invoices open at the end of `at`, with what was still owed then: finalized by then, not voided or written off
 * (uncollectible) by then, amount due less the payments completed by then plus the chargebacks that took money back
 * by then. Read from the recorded payments, so the report for a past date does not change when an invoice is paid
 * later. An invoice without a due date was due when it was finalized (charged automatically).
 */
export async function loadOpenInvoices(em: EntityManager, at: CalendarDate): Promise<OpenInvoice[]> {
  const seller = await sellerOf(em);
  const zone = seller.timeZone;
  const { end } = dayRange(at, at, zone);
  const invoices = await em.find(
    Invoice,
    {
      ...live,
      finalizedAt: { $lt: end },
      amountDue: { $gt: 0 },
      $and: [
        { $or: [{ voidedAt: null }, { voidedAt: { $gte: end } }] },
        { $or: [{ markedUncollectibleAt: null }, { markedUncollectibleAt: { $gte: end } }] },
      ],
    },
    { populate: ['customer'], orderBy: { finalizedAt: 'asc', id: 'asc' } },
  );
  if (invoices.length === 0) return [];
  const ids = invoices.map((invoice) => invoice.id);
  const [payments, chargebacks] = await Promise.all([
    em.find(PaymentAttempt, { invoice: { $in: ids }, status: 'succeeded', completedAt: { $lt: end } }),
    em.find(Refund, { invoice: { $in: ids }, kind: 'chargeback', createdAt: { $lt: end } }),
  ]);
  return invoices.flatMap((invoice) => {
    const paid = payments
      .filter((payment) => payment.invoice.id === invoice.id)
      .reduce((acc, payment) => acc + payment.amount, 0);
    const reversed = chargebacks
      .filter((refund) => refund.invoice.id === invoice.id)
      .reduce((acc, refund) => acc + refund.amount, 0);
    const outstanding = invoice.amountDue - paid + reversed;
    if (outstanding <= 0) return [];
    return [
      {
        invoiceId: invoice.id,
        number: invoice.number ?? invoice.id,
        customerId: invoice.customer.id,
        customerName: invoice.customer.name,
        currency: invoice.currency,
        due: localDate(invoice.dueAt ?? (invoice.finalizedAt as Date), zone),
        outstanding,
      },
    ];
  });
}
