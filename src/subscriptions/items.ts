import type { EntityManager } from '@mikro-orm/postgresql';
import { PlanPrice } from '../db/entities';
import { newId } from '../db/ids';
import { DomainError } from '../domain/errors';
import { assertPriceWithinBounds, MAX_QUANTITY } from '../domain/limits';
import { priceAmount } from '../domain/pricing';
import type { SubscriptionItem } from '../workflows/lifecycle/state';

/** An item as a caller asks for it: a plan and a quantity (and, for an existing item, its id). */
export interface ItemRequest {
  planId: string;
  quantity?: number;
  itemId?: string;
}

/** Why an item cannot be priced; `param` names the request field, `status` the HTTP answer. */
export class ItemError extends Error {
  constructor(
    readonly code:
      'plan_not_found' | 'price_not_found' | 'plan_inactive' | 'invalid_quantity' | 'amount_out_of_range',
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'ItemError';
  }
}

/**
 * Prices items from the catalogue in one currency: each plan's immutable price applied to the quantity by its
 * pricing model gives the item's amount for a whole period, which proration, the direction of a change and MRR
 * compare. A metered plan's item has no amount (it bills usage in arrears). New items get a fresh `si_` id and
 * owe their plan's setup fee until a paid invoice carries it.
 */
export async function priceItems(
  em: EntityManager,
  currency: string,
  requests: readonly ItemRequest[],
  options: { param?: string; allowInactive?: boolean } = {},
): Promise<SubscriptionItem[]> {
  const param = options.param ?? 'items';
  const prices = await em.find(
    PlanPrice,
    { plan: { $in: requests.map((request) => request.planId) } },
    { populate: ['plan', 'plan.product', 'plan.meter'] },
  );
  return requests.map((request, index) => {
    const at = requests.length === 1 && param !== 'items' ? param : `${param}.${index}`;
    const forPlan = prices.filter((price) => price.plan.id === request.planId);
    if (forPlan.length === 0) {
      throw new ItemError('plan_not_found', `No such plan: ${request.planId}`, `${at}.plan_id`);
    }
    const price = forPlan.find((candidate) => candidate.currency === currency);
    if (!price) {
      throw new ItemError(
        'price_not_found',
        `Plan ${request.planId} has no price in ${currency}, the subscription's currency`,
        `${at}.plan_id`,
      );
    }
    if (!price.plan.active && !options.allowInactive) {
      throw new ItemError('plan_inactive', `Plan ${request.planId} is inactive`, `${at}.plan_id`);
    }
    const quantity = request.quantity ?? 1;
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      throw new ItemError('invalid_quantity', `quantity must be 1 to ${MAX_QUANTITY}`, `${at}.quantity`);
    }
    const metered = Boolean(price.plan.meter);
    let amount = 0;
    try {
      assertPriceWithinBounds(price.scheme, price.setupFee);
      if (!metered) amount = priceAmount({ currency: price.currency, scheme: price.scheme }, quantity).amount;
    } catch (error) {
      if (error instanceof DomainError)
        throw new ItemError('amount_out_of_range', error.message, `${at}.plan_id`);
      throw error;
    }
    return {
      id: request.itemId ?? newId('si'),
      planId: price.plan.id,
      name: price.plan.name,
      quantity: metered ? 1 : quantity,
      amount,
      metered,
      addOn: price.plan.product.addOn,
      interval: { unit: price.plan.intervalUnit, count: price.plan.intervalCount },
      ...(request.itemId === undefined && price.setupFee > 0 ? { setupFeeDue: true } : {}),
      ...(price.plan.taxBehavior === 'inclusive' ? { taxInclusive: true } : {}),
    };
  });
}
