import type { EntityManager } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import {
  Customer,
  Meter,
  Plan,
  PlanPrice,
  Product,
  SellerSettings,
  Subscription,
} from '../../../src/db/entities';
import { createOrGetRenewalInvoice, isStoreError, type StoreErrorCode } from '../../../src/db/services';
import { DEFAULT_DUNNING_POLICY } from '../../../src/domain/dunning';
import { buildDraftInvoice, type DraftInvoice } from '../../../src/domain/invoice';
import { money } from '../../../src/domain/money';
import { determineTax } from '../../../src/domain/tax';

export const unique = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`;

export async function seedSeller(
  em: EntityManager,
  overrides: Partial<Pick<SellerSettings, 'invoicePrefix' | 'timeZone'>> = {},
): Promise<SellerSettings> {
  const seller = em.create(SellerSettings, {
    name: 'Rösterei Beispiel GmbH',
    address: { line1: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    country: 'DE',
    vatId: 'DE123456789',
    defaultCurrency: 'EUR',
    dunningPolicy: DEFAULT_DUNNING_POLICY,
    ...overrides,
  });
  await em.persistAndFlush(seller);
  return seller;
}

export type SeededSubscription = { customer: Customer; plan: Plan; subscription: Subscription; meter: Meter };

/** A monthly 49.00 EUR plan with a usage meter, one German customer and one active subscription. */
export async function seedSubscription(
  em: EntityManager,
  options: { currency?: string } = {},
): Promise<SeededSubscription> {
  const currency = options.currency ?? 'EUR';
  const product = em.create(Product, { name: 'Beans' });
  const meter = em.create(Meter, { name: 'API calls', eventName: unique('calls'), aggregation: 'sum' });
  const plan = em.create(Plan, {
    product,
    name: 'Monthly beans',
    intervalUnit: 'month',
    intervalCount: 1,
    pricingModel: 'flat',
    meter,
  });
  em.create(PlanPrice, { plan, currency, scheme: { model: 'flat', amount: 4900 } });
  const customer = em.create(Customer, {
    email: `${unique('c')}@example.test`,
    name: 'Erika Mustermann',
    locale: 'de',
    country: 'DE',
  });
  const id = unique('sub');
  const subscription = em.create(Subscription, {
    id,
    customer,
    plan,
    status: 'active',
    currency,
    billingAnchor: new Date('2026-01-15T00:00:00Z'),
    currentPeriodStart: new Date('2026-01-15T00:00:00Z'),
    currentPeriodEnd: new Date('2026-02-15T00:00:00Z'),
    workflowId: `subscription-${id}`,
  });
  await em.flush();
  return { customer, plan, subscription, meter };
}

/** The draft of one 49.00 EUR period for a German consumer (19 % VAT): total 58.31. */
export function monthlyDraft(creditBalance = 0, currency = 'EUR'): DraftInvoice {
  return buildDraftInvoice({
    currency,
    items: [{ kind: 'subscription', description: 'Monthly beans', amount: money(4900, currency) }],
    tax: determineTax({ country: 'DE', vatId: 'DE123456789' }, { country: 'DE' }),
    pricesIncludeTax: false,
    creditBalance: money(creditBalance, currency),
  });
}

/** Draft invoices for periods 0…count−1 of one subscription. */
export async function createDrafts(
  em: EntityManager,
  subscriptionId: string,
  count: number,
  firstPeriod = 0,
): Promise<string[]> {
  const ids: string[] = [];
  for (let periodIndex = firstPeriod; periodIndex < firstPeriod + count; periodIndex += 1) {
    const { invoice } = await createOrGetRenewalInvoice(em.fork(), {
      subscriptionId,
      periodIndex,
      periodStart: new Date(Date.UTC(2026, periodIndex, 15)).toISOString(),
      periodEnd: new Date(Date.UTC(2026, periodIndex + 1, 15)).toISOString(),
      draft: monthlyDraft(),
    });
    ids.push(invoice.id);
  }
  return ids;
}

/** The store's refusal code of a call, or 'no error': tests compare codes, never message text. */
export async function storeErrorCode(promise: Promise<unknown>): Promise<StoreErrorCode | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (error) {
    if (isStoreError(error)) return error.code;
    throw error;
  }
}
