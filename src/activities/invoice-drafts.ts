import type { EntityManager } from '@mikro-orm/postgresql';
import { ApplicationFailure } from '@temporalio/activity';
import { Customer, Discount, Meter, PlanPrice, SellerSettings, UsageEvent } from '../db/entities';
import { StoreError } from '../db/services/errors';
import { toDomainCoupon } from '../db/services/coupons';
import { discountAppliesToPeriod, type Coupon } from '../domain/coupons';
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

/** Each item's price in the subscription's currency, with its plan, product and meter. */
export async function pricesOf(
  em: EntityManager,
  items: readonly Pick<SubscriptionItem, 'planId'>[],
  currency: string,
): Promise<Map<string, PlanPrice>> {
  const planIds = [...new Set(items.map((item) => item.planId))];
  const rows = await em.find(
    PlanPrice,
    { plan: { $in: planIds }, currency },
    { populate: ['plan', 'plan.meter', 'plan.product'] },
  );
  const byPlan = new Map(rows.map((row) => [row.plan.id, row]));
  for (const planId of planIds) {
    if (!byPlan.has(planId)) throw new StoreError('not_found', `Plan ${planId} has no ${currency} price`);
  }
  return byPlan;
}

export const domainPrice = (price: PlanPrice): Price => ({ currency: price.currency, scheme: price.scheme });

const day = (iso: string) => iso.slice(0, 10);

export function describeItem(price: PlanPrice, quantity: number): string {
  return quantity === 1 ? price.plan.name : `${price.plan.name} × ${quantity}`;
}

/** A licensed item for one whole period: one line, or one per tier touched. */
export function licensedLines(
  item: SubscriptionItem,
  price: PlanPrice,
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
  price: PlanPrice,
  window: BillingPeriod,
): Promise<InvoiceItemInput[]> {
  const meter = price.plan.meter as Meter | null | undefined;
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
export function setupFeeLines(item: SubscriptionItem, price: PlanPrice): InvoiceItemInput[] {
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
  prices: Map<string, PlanPrice>,
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
  prices: Map<string, PlanPrice>,
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
  prices: Map<string, PlanPrice>,
  itemId: string,
): TaxCategory {
  const item = items.find((candidate) => candidate.id === itemId);
  return (item && prices.get(item.planId)?.plan.product.taxCategory) ?? 'standard';
}

/** The coupons whose discounts reduce the invoice of this period (a removed coupon ends at its end index). */
export async function couponsForPeriod(
  em: EntityManager,
  subscriptionId: string,
  periodIndex: number,
): Promise<Coupon[]> {
  const discounts = await em.find(
    Discount,
    { subscription: subscriptionId },
    { populate: ['coupon'], orderBy: { createdAt: 'asc' } },
  );
  return discounts
    .filter((discount) => discount.endPeriodIndex == null || periodIndex < discount.endPeriodIndex)
    .map((discount) => ({ discount, coupon: toDomainCoupon(discount.coupon) }))
    .filter(({ discount, coupon }) =>
      discountAppliesToPeriod(coupon.duration, discount.startPeriodIndex, periodIndex),
    )
    .map(({ coupon }) => coupon);
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
  prices: Map<string, PlanPrice>,
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
): Promise<{ lines: InvoiceItemInput[]; pendingItemIds: string[]; prices: Map<string, PlanPrice> }> {
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
): Promise<{ prices: Map<string, PlanPrice>; lines: ProrationLineDraft[]; fees: InvoiceItemInput[] }> {
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
