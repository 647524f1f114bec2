import type { EntityManager } from '@mikro-orm/postgresql';
import type { IntervalUnit } from '../../domain/calendar';
import { assertPriceWithinBounds, MAX_QUANTITY, MAX_USAGE_QUANTITY } from '../../domain/limits';
import { assertPrice, type PricingScheme, type Tier } from '../../domain/pricing';
import type { TaxCategory } from '../../domain/tax';
import { Meter, Plan, PlanPrice, Product, type TaxBehavior } from '../entities';

export type ProductInput = {
  name: string;
  description: string | null;
  active: boolean;
  taxCategory: TaxCategory;
  addOn?: boolean;
};

export function createProduct(em: EntityManager, input: ProductInput): Promise<Product> {
  return em.transactional(async (tx) => {
    const product = tx.create(Product, {
      name: input.name,
      description: input.description,
      active: input.active,
      addOn: input.addOn ?? false,
      taxCategory: input.taxCategory,
    });
    await tx.flush();
    return product;
  });
}

/** `undefined` leaves a field as it is; null clears the description. Null when there is no such product. */
export function updateProduct(
  em: EntityManager,
  id: string,
  update: Partial<ProductInput>,
): Promise<Product | null> {
  return em.transactional(async (tx) => {
    const product = await tx.findOne(Product, id);
    if (!product) return null;
    if (update.name !== undefined) product.name = update.name;
    if (update.description !== undefined) product.description = update.description;
    if (update.active !== undefined) product.active = update.active;
    if (update.taxCategory !== undefined) product.taxCategory = update.taxCategory;
    await tx.flush();
    return product;
  });
}

export function findProduct(em: EntityManager, id: string): Promise<Product | null> {
  return em.findOne(Product, id);
}

export function findMeter(em: EntityManager, id: string): Promise<Meter | null> {
  return em.findOne(Meter, id);
}

/** How the amounts of every currency are shaped; the per-currency numbers come with each price. */
export type PlanPricing =
  | { model: 'flat' | 'per_unit'; amounts: Record<string, number> }
  | { model: 'package'; unitsPerPackage: number; amounts: Record<string, number> }
  | { model: 'graduated' | 'volume'; tiers: Record<string, Tier[]> };

export type PlanInput = {
  product: Product;
  meter: Meter | null;
  name: string;
  intervalUnit: IntervalUnit;
  intervalCount: number;
  pricing: PlanPricing;
  setupFees: Record<string, number>;
  trialDays: number;
  taxBehavior: TaxBehavior;
  active: boolean;
};

export type PlanWithPrices = { plan: Plan; prices: PlanPrice[] };

/** One pricing scheme per currency of a plan, as its prices store them. */
export function planPriceSchemes(pricing: PlanPricing): [string, PricingScheme][] {
  switch (pricing.model) {
    case 'flat':
      return Object.entries(pricing.amounts).map(([currency, amount]) => [
        currency,
        { model: 'flat', amount },
      ]);
    case 'per_unit':
      return Object.entries(pricing.amounts).map(([currency, unitAmount]) => [
        currency,
        { model: 'per_unit', unitAmount },
      ]);
    case 'package':
      return Object.entries(pricing.amounts).map(([currency, packageAmount]) => [
        currency,
        { model: 'package', packageAmount, unitsPerPackage: pricing.unitsPerPackage },
      ]);
    case 'graduated':
    case 'volume': {
      const model = pricing.model;
      return Object.entries(pricing.tiers).map(([currency, tiers]) => [currency, { model, tiers }]);
    }
  }
}

/** The quantity bound a plan's prices are checked at: usage for a metered plan, seats otherwise. */
export const quantityBoundOf = (metered: boolean) => (metered ? MAX_USAGE_QUANTITY : MAX_QUANTITY);

/**
 * The plan and one price per currency, in one transaction; every price passes the domain's checks first,
 * including the bounds that keep its invoices within the safe-integer range.
 */
export async function createPlan(em: EntityManager, input: PlanInput): Promise<PlanWithPrices> {
  const schemes = planPriceSchemes(input.pricing);
  for (const [currency, scheme] of schemes) {
    const setupFee = input.setupFees[currency] ?? 0;
    assertPrice({ currency, scheme, setupFee });
    assertPriceWithinBounds(scheme, setupFee, quantityBoundOf(input.meter !== null));
  }
  return em.transactional(async (tx) => {
    const plan = tx.create(Plan, {
      product: input.product,
      meter: input.meter,
      name: input.name,
      intervalUnit: input.intervalUnit,
      intervalCount: input.intervalCount,
      pricingModel: input.pricing.model,
      trialDays: input.trialDays,
      taxBehavior: input.taxBehavior,
      active: input.active,
    });
    const prices = schemes.map(([currency, scheme]) =>
      tx.create(PlanPrice, { plan, currency, scheme, setupFee: input.setupFees[currency] ?? 0 }),
    );
    await tx.flush();
    return { plan, prices };
  });
}

export async function findPlan(em: EntityManager, id: string): Promise<PlanWithPrices | null> {
  const plan = await em.findOne(Plan, id);
  if (!plan) return null;
  return { plan, prices: await em.find(PlanPrice, { plan }, { orderBy: { currency: 'asc' } }) };
}

/** Prices for a page of plans in one query. */
export async function withPrices(em: EntityManager, plans: Plan[]): Promise<PlanWithPrices[]> {
  const prices = plans.length
    ? await em.find(
        PlanPrice,
        { plan: { $in: plans.map((plan) => plan.id) } },
        { orderBy: { currency: 'asc' } },
      )
    : [];
  return plans.map((plan) => ({ plan, prices: prices.filter((price) => price.plan.id === plan.id) }));
}

export type PlanUpdate = { name?: string; active?: boolean };

export async function updatePlan(
  em: EntityManager,
  id: string,
  update: PlanUpdate,
): Promise<PlanWithPrices | null> {
  const updated = await em.transactional(async (tx) => {
    const plan = await tx.findOne(Plan, id);
    if (!plan) return null;
    if (update.name !== undefined) plan.name = update.name;
    if (update.active !== undefined) plan.active = update.active;
    await tx.flush();
    return plan;
  });
  return updated ? findPlan(em, updated.id) : null;
}
