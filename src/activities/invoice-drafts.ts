import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import {
  Customer,
  type MeterAggregation,
  type Plan,
  type PlanPrice,
  type Product,
  SellerSettings,
  UsageEvent,
} from '../db/entities';
import { sqlRows } from '../db/direct-read';
import { StoreError } from '../db/services/errors';
import type { InvoiceItemInput } from '../domain/invoice';
import { money } from '../domain/money';
import { aggregateUsage, priceLines, type Price } from '../domain/pricing';
import { itemProrationLines, type ProratedItem } from '../domain/proration';
import { determineTax, type TaxCategory, type TaxTreatment } from '../domain/tax';
import type { BillingPeriod, SubscriptionItem } from '../workflows/lifecycle/state';
import { ActivityFailureType, type ProrationLineDraft } from './lifecycle.contract';
import { draftItemOf, pendingInvoiceItems } from '../db/services/invoice-items';

/**
 * The pieces every subscription invoice is built from, read from PostgreSQL and priced by the pure domain code:
 * one line per licensed item (per tier where a tiered price bills several), usage in arrears per metered item,
 * setup fees, credits for unused time, discounts, tax and the customer's credit.
 */

export async function sellerOf(em: EntityManager): Promise<SellerSettings> {
  const seller = await em.findOne(SellerSettings, 1);
  if (!seller) {
    throw ApplicationFailure.nonRetryable(
      'Seller settings are missing: PUT /v1/settings first',
      ActivityFailureType.misconfigured,
    );
  }
  return seller;
}

/** A plan's price in one currency, with what invoicing reads of its plan, product and meter. */
export interface PlanPriceFacts {
  currency: string;
  scheme: PlanPrice['scheme'];
  setupFee: number;
  plan: {
    id: string;
    name: string;
    intervalUnit: Plan['intervalUnit'];
    intervalCount: number;
    taxBehavior: Plan['taxBehavior'];
    meter: { id: string; name: string; aggregation: MeterAggregation } | null;
    product: { taxCategory: Product['taxCategory']; addOn: boolean };
  };
}

interface PlanPriceRow {
  currency: string;
  scheme: PlanPrice['scheme'];
  /** bigint, as text. */
  setup_fee: string;
  plan_id: string;
  plan_name: string;
  interval_unit: Plan['intervalUnit'];
  interval_count: number;
  tax_behavior: Plan['taxBehavior'];
  tax_category: Product['taxCategory'];
  add_on: boolean;
  meter_id: string | null;
  meter_name: string | null;
  meter_aggregation: MeterAggregation | null;
}

/**
 * Each item's price in the subscription's currency, with its plan, product and meter: one plain statement, since
 * every invoice and every committed transition reads them and the ORM's joined hydration cost more than the query.
 */
export async function pricesOf(
  em: EntityManager,
  items: readonly Pick<SubscriptionItem, 'planId'>[],
  currency: string,
): Promise<Map<string, PlanPriceFacts>> {
  const planIds = [...new Set(items.map((item) => item.planId))];
  const rows = await sqlRows<PlanPriceRow>(
    em,
    `select pp.currency, pp.scheme, pp.setup_fee::text as setup_fee, p.id as plan_id, p.name as plan_name,
       p.interval_unit, p.interval_count, p.tax_behavior, pr.tax_category, pr.add_on, m.id as meter_id,
       m.name as meter_name, m.aggregation as meter_aggregation
     from plan_prices pp
     join plans p on p.id = pp.plan_id
     join products pr on pr.id = p.product_id
     left join meters m on m.id = p.meter_id
     where pp.plan_id = any($1) and pp.currency = $2`,
    [planIds, currency],
  );
  const byPlan = new Map(
    rows.map((row): [string, PlanPriceFacts] => [
      row.plan_id,
      {
        currency: row.currency,
        scheme: row.scheme,
        setupFee: Number(row.setup_fee),
        plan: {
          id: row.plan_id,
          name: row.plan_name,
          intervalUnit: row.interval_unit,
          intervalCount: row.interval_count,
          taxBehavior: row.tax_behavior,
          meter:
            row.meter_id !== null && row.meter_name !== null && row.meter_aggregation !== null
              ? { id: row.meter_id, name: row.meter_name, aggregation: row.meter_aggregation }
              : null,
          product: { taxCategory: row.tax_category, addOn: row.add_on },
        },
      },
    ]),
  );
  for (const planId of planIds) {
    if (!byPlan.has(planId)) throw new StoreError('not_found', `Plan ${planId} has no ${currency} price`);
  }
  return byPlan;
}

export const domainPrice = (price: PlanPriceFacts): Price => ({
  currency: price.currency,
  scheme: price.scheme,
});

const day = (iso: string) => iso.slice(0, 10);

export function describeItem(price: PlanPriceFacts, quantity: number): string {
  return quantity === 1 ? price.plan.name : `${price.plan.name} × ${quantity}`;
}

/** A licensed item for one whole period: one line, or one per tier touched. */
export function licensedLines(
  item: SubscriptionItem,
  price: PlanPriceFacts,
  period: BillingPeriod,
): InvoiceItemInput[] {
  return priceLines(
    domainPrice(price),
    item.quantity,
    `${price.plan.name} (${day(period.start)} – ${day(period.end)})`,
  ).map((line) => ({
    kind: 'subscription' as const,
    description: line.description,
    amount: line.amount,
    quantity: line.quantity,
    unitAmount: line.unitAmount,
    periodStart: period.start,
    periodEnd: period.end,
    itemId: item.id,
  }));
}

/** A metered item's usage over a window, aggregated by its meter and priced by its plan, billed in arrears. */
export async function usageLines(
  em: EntityManager,
  subscriptionId: string,
  item: SubscriptionItem,
  price: PlanPriceFacts,
  window: BillingPeriod,
): Promise<InvoiceItemInput[]> {
  const { meter } = price.plan;
  if (!meter) return [];
  const start = new Date(window.start);
  const end = new Date(window.end);
  const events = await em.find(UsageEvent, {
    subscription: subscriptionId,
    meter: meter.id,
    occurredAt: { $gte: start, $lt: end },
  });
  const quantity = aggregateUsage(
    events.map((event) => ({
      id: event.clientId,
      timestamp: event.occurredAt.toISOString(),
      quantity: event.quantity,
      ...(event.value ? { value: event.value } : {}),
    })),
    meter.aggregation,
    window.start,
    window.end,
  );
  return priceLines(
    domainPrice(price),
    quantity,
    `${meter.name} (${day(window.start)} – ${day(window.end)})`,
  ).map((line) => ({
    kind: 'usage' as const,
    description: line.description,
    amount: line.amount,
    quantity: line.quantity,
    unitAmount: line.unitAmount,
    periodStart: window.start,
    periodEnd: window.end,
    itemId: item.id,
  }));
}

/** The plan's one-off setup fee, when the item still owes it. */
export function setupFeeLines(item: SubscriptionItem, price: PlanPriceFacts): InvoiceItemInput[] {
  if (!item.setupFeeDue || !price.setupFee) return [];
  return [
    {
      kind: 'setup_fee',
      description: `Setup fee: ${price.plan.name}`,
      amount: money(price.setupFee, price.currency),
      quantity: 1,
      unitAmount: price.setupFee,
      itemId: item.id,
      taxCategory: price.plan.product.taxCategory,
    },
  ];
}

export function proratedItems(
  items: readonly SubscriptionItem[],
  prices: Map<string, PlanPriceFacts>,
  currency: string,
): ProratedItem[] {
  return items
    .filter((item) => !item.metered)
    .map((item) => {
      const price = prices.get(item.planId);
      return {
        id: item.id,
        description: price ? describeItem(price, item.quantity) : item.name,
        amount: money(item.amount, currency),
      };
    });
}

/** Credits for the unused part of a period, one per licensed item (an interval change ends the period early). */
export function unusedTimeCredits(
  items: readonly SubscriptionItem[],
  prices: Map<string, PlanPriceFacts>,
  currency: string,
  period: BillingPeriod,
  at: string,
): InvoiceItemInput[] {
  return itemProrationLines({
    before: proratedItems(items, prices, currency),
    after: [],
    periodStart: period.start,
    periodEnd: period.end,
    changeAt: at,
  }).map((line) => ({
    kind: 'proration' as const,
    description: line.description,
    amount: line.amount,
    quantity: 1,
    periodStart: line.periodStart,
    periodEnd: line.periodEnd,
    itemId: line.itemId,
    taxCategory: categoryOf(items, prices, line.itemId),
  }));
}

/** The tax category of an item's product: each proration line is taxed like the item it prorates. */
export function categoryOf(
  items: readonly SubscriptionItem[],
  prices: Map<string, PlanPriceFacts>,
  itemId: string,
): TaxCategory {
  const item = items.find((candidate) => candidate.id === itemId);
  return (item && prices.get(item.planId)?.plan.product.taxCategory) ?? 'standard';
}

/** Who sells to whom: the tax treatment and the credit the customer holds in this currency. */
export async function taxAndCredit(
  em: EntityManager,
  customerId: string,
  currency: string,
  /** The tax point: the rates in force at this instant apply. */
  at: string,
): Promise<{ customer: Customer; tax: TaxTreatment; balance: number }> {
  const [customer, seller] = await Promise.all([em.findOneOrFail(Customer, customerId), sellerOf(em)]);
  return {
    customer,
    tax: determineTax(
      { country: seller.country, vatId: seller.vatId ?? undefined },
      { country: customer.country, vatId: customer.vatId ?? undefined },
      seller.taxRates,
      { at },
    ),
    balance: customer.balanceCurrency === currency ? customer.balance : 0,
  };
}

/** Whether the subscription's prices include tax: the base item's plan decides for the whole invoice. */
export function pricesIncludeTax(
  items: readonly SubscriptionItem[],
  prices: Map<string, PlanPriceFacts>,
): boolean {
  const base = items.find((item) => !item.addOn && !item.metered) ?? items[0];
  return base ? prices.get(base.planId)?.plan.taxBehavior === 'inclusive' : false;
}

/** What a period's invoice is built from; the same request shape the `billPeriod` activity takes. */
export interface PeriodLinesSpec {
  subscriptionId: string;
  customerId: string;
  currency: string;
  items: SubscriptionItem[];
  usageWindow: BillingPeriod | null;
  credit: { items: SubscriptionItem[]; period: BillingPeriod; at: string } | null;
  licensed: boolean;
}

/**
 * The lines of a new period's invoice before discounts and tax: credits for an early-ended period, each licensed
 * item for the period, usage in arrears, setup fees still owed, and the customer's pending invoice items. The
 * activity invoices exactly these, and a change preview shows exactly these.
 */
export async function periodLines(
  em: EntityManager,
  spec: PeriodLinesSpec,
  period: BillingPeriod,
): Promise<{ lines: InvoiceItemInput[]; pendingItemIds: string[]; prices: Map<string, PlanPriceFacts> }> {
  const prices = await pricesOf(em, [...spec.items, ...(spec.credit?.items ?? [])], spec.currency);
  const lines: InvoiceItemInput[] = [];
  if (spec.credit) {
    lines.push(
      ...unusedTimeCredits(spec.credit.items, prices, spec.currency, spec.credit.period, spec.credit.at),
    );
  }
  for (const item of spec.items) {
    const price = prices.get(item.planId);
    if (!price) continue;
    if (spec.licensed && !item.metered) lines.push(...licensedLines(item, price, period));
    if (item.metered && spec.usageWindow) {
      lines.push(...(await usageLines(em, spec.subscriptionId, item, price, spec.usageWindow)));
    }
    if (spec.licensed) lines.push(...setupFeeLines(item, price));
  }
  const pending = await pendingInvoiceItems(em, {
    customerId: spec.customerId,
    currency: spec.currency,
    subscriptionId: spec.subscriptionId,
  });
  lines.push(...pending.map(draftItemOf));
  return { lines, pendingItemIds: pending.map((item) => item.id), prices };
}

export interface ChangeLinesSpec {
  currency: string;
  period: BillingPeriod;
  at: string;
  before: SubscriptionItem[];
  after: SubscriptionItem[];
}

/**
 * A change within the period, item by item: the unused time of each old amount as a credit and the remaining time
 * of each new amount as a charge, to the second; and the setup fees the change's new items owe.
 */
export async function changeLines(
  em: EntityManager,
  spec: ChangeLinesSpec,
): Promise<{ prices: Map<string, PlanPriceFacts>; lines: ProrationLineDraft[]; fees: InvoiceItemInput[] }> {
  const prices = await pricesOf(em, [...spec.before, ...spec.after], spec.currency);
  const lines = itemProrationLines({
    before: proratedItems(spec.before, prices, spec.currency),
    after: proratedItems(spec.after, prices, spec.currency),
    periodStart: spec.period.start,
    periodEnd: spec.period.end,
    changeAt: spec.at,
  }).map((line) => ({
    itemId: line.itemId,
    kind: line.kind,
    description: line.description,
    amount: line.amount.amount,
    periodStart: line.periodStart,
    periodEnd: line.periodEnd,
  }));
  const fees = spec.after.flatMap((item) => {
    const price = prices.get(item.planId);
    return price ? setupFeeLines(item, price) : [];
  });
  return { prices, lines, fees };
}
