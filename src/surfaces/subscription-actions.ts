import { priceAmount, type PricingScheme } from '../domain/pricing';
import type { PlanResponse } from '../api/schemas/plans';
import type { ProductResponse } from '../api/schemas/products';
import type {
  ChangePreviewResponse,
  SubscriptionItemResponse,
  SubscriptionResponse,
} from '../api/schemas/subscriptions';
import { type ApiClient, type ListOf, type Sent, withQuery } from './api-client';

/**
 * Every call the portal and the console make that depends on the shape of a subscription or of its commands lives
 * here, and goes through the JSON API's own routes (`/v1/subscriptions/:id/{cancel,reactivate,pause,resume,change,
 * change/preview,change/cancel,items,items/:item_id,payment_method}` and their previews). When those routes change,
 * this module follows and the pages keep reading `SubscriptionView`.
 */

/** A billing interval: every `count` `unit`s. All licensed items of a subscription share one. */
export interface Interval {
  unit: 'day' | 'week' | 'month' | 'year';
  count: number;
}

export const sameInterval = (a: Interval, b: Interval): boolean => a.unit === b.unit && a.count === b.count;

/** One item of a subscription: its base plan, an add-on or a metered plan. */
export interface ItemView {
  id: string;
  planId: string;
  name: string;
  quantity: number;
  /** One whole period at this quantity, minor units, as the engine priced it; 0 for a metered item. */
  amount: number;
  metered: boolean;
  addOn: boolean;
  interval: Interval;
}

export interface SubscriptionView {
  id: string;
  customerId: string;
  status: string;
  /** The base item's plan and quantity (the first licensed item that is not an add-on). */
  planId: string;
  planName: string;
  quantity: number;
  /** Every item, the base item first. */
  items: ItemView[];
  currency: string;
  /** The interval its licensed items bill on. */
  interval: Interval;
  timeZone: string;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  trialEnd: string | null;
  /** The next regular invoice: its date and its licensed items' amounts before tax and credit; null when none. */
  nextInvoice: { at: string; amount: number } | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  cancellationReason: string | null;
  pause: { since: string; resumesAt: string | null } | null;
  pauseAtPeriodEnd: { resumesAt: string | null } | null;
  scheduledChange: { planId: string; planName: string; quantity: number; items: ItemView[] } | null;
  pastDue: { invoiceId: string; failedAttempts: number; nextRetryAt: string | null } | null;
  nextAction: { type: string; at: string } | null;
  paymentMethodId: string | null;
  /** True when read from the running workflow, false from the read model (lists, ended subscriptions). */
  live: boolean;
  /** `subscription-<id>`: the console links it into the Temporal Web UI. */
  workflowId: string;
}

/** What a customer may give as the reason for cancelling (kept with the subscription as `cancellation_reason`). */
export const CANCEL_REASONS = [
  'too_expensive',
  'missing_features',
  'switched_service',
  'unused',
  'customer_service',
  'too_complex',
  'low_quality',
  'other',
] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

export function isCancelReason(value: unknown): value is CancelReason {
  return typeof value === 'string' && (CANCEL_REASONS as readonly string[]).includes(value);
}

const RUNNING = new Set(['trialing', 'active', 'past_due']);

/** The plan's price in one currency as the billing domain prices it. */
function schemeOf(plan: PlanResponse, currency: string): PricingScheme | null {
  switch (plan.pricing_model) {
    case 'flat': {
      const amount = plan.amounts?.[currency];
      return amount === undefined ? null : { model: 'flat', amount };
    }
    case 'per_unit': {
      const unitAmount = plan.amounts?.[currency];
      return unitAmount === undefined ? null : { model: 'per_unit', unitAmount };
    }
    case 'package': {
      const packageAmount = plan.amounts?.[currency];
      return packageAmount === undefined || plan.units_per_package === null
        ? null
        : { model: 'package', packageAmount, unitsPerPackage: plan.units_per_package };
    }
    case 'graduated':
    case 'volume': {
      const tiers = plan.tiers?.[currency];
      return tiers
        ? {
            model: plan.pricing_model,
            tiers: tiers.map((tier) => ({
              upTo: tier.up_to,
              unitAmount: tier.unit_amount,
              ...(tier.flat_amount === undefined ? {} : { flatAmount: tier.flat_amount }),
            })),
          }
        : null;
    }
  }
}

/** A plan's amount for one period at a quantity, in minor units; null when it has no price in that currency. */
export function periodAmountOf(plan: PlanResponse, currency: string, quantity: number): number | null {
  const scheme = schemeOf(plan, currency);
  return scheme ? priceAmount({ currency, scheme }, quantity).amount : null;
}

const itemView = (item: SubscriptionItemResponse): ItemView => ({
  id: item.id,
  planId: item.plan_id,
  name: item.name,
  quantity: item.quantity,
  amount: item.amount,
  metered: item.metered,
  addOn: item.add_on,
  interval: { unit: item.interval, count: item.interval_count },
});

/** The base item first (as the API names it: `plan_id`/`quantity`), then the others in their order. */
function ordered(items: ItemView[], basePlanId: string): ItemView[] {
  const base = items.find((item) => item.planId === basePlanId && !item.addOn && !item.metered);
  return base ? [base, ...items.filter((item) => item !== base)] : items;
}

/** Items as a customer reads them: "Monthly beans × 1, Tasting seats × 2". */
export const itemsText = (items: ItemView[]): string =>
  items.map((item) => `${item.name} × ${item.quantity}`).join(', ');

/** What the licensed items bill per period; metered usage is billed in arrears and is not known ahead. */
const licensedTotal = (items: ItemView[]): number =>
  items.filter((item) => !item.metered).reduce((sum, item) => sum + item.amount, 0);

function viewOf(subscription: SubscriptionResponse): SubscriptionView {
  const items = ordered(subscription.items.map(itemView), subscription.plan_id);
  const scheduled = subscription.scheduled_change;
  const scheduledItems = scheduled ? ordered(scheduled.items.map(itemView), scheduled.plan_id) : null;
  const billsNext =
    RUNNING.has(subscription.status) &&
    !subscription.cancel_at_period_end &&
    !subscription.pause_at_period_end;
  return {
    id: subscription.id,
    customerId: subscription.customer_id,
    status: subscription.status,
    planId: subscription.plan_id,
    planName: items[0]?.planId === subscription.plan_id ? items[0].name : subscription.plan_id,
    quantity: subscription.quantity,
    items,
    currency: subscription.currency,
    interval: { unit: subscription.interval, count: subscription.interval_count },
    timeZone: subscription.time_zone,
    currentPeriodStart: subscription.current_period_start,
    currentPeriodEnd: subscription.current_period_end,
    trialEnd: subscription.trial_end,
    nextInvoice: billsNext
      ? {
          at: subscription.trial_end ?? subscription.current_period_end,
          amount: licensedTotal(scheduledItems ?? items),
        }
      : null,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    canceledAt: subscription.canceled_at,
    cancellationReason: subscription.cancellation_reason,
    pause: subscription.pause
      ? { since: subscription.pause.since, resumesAt: subscription.pause.resumes_at }
      : null,
    pauseAtPeriodEnd: subscription.pause_at_period_end
      ? { resumesAt: subscription.pause_at_period_end.resumes_at }
      : null,
    scheduledChange:
      scheduled && scheduledItems
        ? {
            planId: scheduled.plan_id,
            planName: scheduledItems[0]?.name ?? scheduled.plan_id,
            quantity: scheduled.quantity,
            items: scheduledItems,
          }
        : null,
    pastDue: subscription.past_due
      ? {
          invoiceId: subscription.past_due.invoice_id,
          failedAttempts: subscription.past_due.failed_attempts,
          nextRetryAt: subscription.past_due.next_retry_at,
        }
      : null,
    nextAction: subscription.next_action,
    paymentMethodId: subscription.payment_method_id,
    live: subscription.live,
    workflowId: `subscription-${subscription.id}`,
  };
}

/** One subscription, live from its workflow while it runs (the read model once it has ended). */
export async function loadSubscription(api: ApiClient, id: string): Promise<SubscriptionView> {
  return viewOf(await api.get<SubscriptionResponse>(`/v1/subscriptions/${encodeURIComponent(id)}?live=true`));
}

export interface SubscriptionFilter {
  customerId?: string;
  status?: string;
  startingAfter?: string;
  limit?: number;
}

/**
 * A page of subscriptions from the read model, with the API's cursor. Every committed transition writes the read
 * model in the same transaction as its events, so dunning attempts and retry times are current there.
 */
export async function listSubscriptions(
  api: ApiClient,
  filter: SubscriptionFilter,
): Promise<ListOf<SubscriptionView>> {
  const page = await api.get<ListOf<SubscriptionResponse>>(
    withQuery('/v1/subscriptions', {
      customer_id: filter.customerId,
      status: filter.status,
      starting_after: filter.startingAfter,
      limit: filter.limit ?? 20,
    }),
  );
  return { ...page, data: page.data.map(viewOf) };
}

export interface PlanOffer {
  id: string;
  name: string;
  /** One period at quantity 1, minor units of the subscription's currency. */
  amountPerUnit: number;
  /** The plan's billing period; the pages write it beside the amount ("per year"). */
  interval: Interval;
}

/**
 * The plans a subscription may move its base item to, and the add-ons it may add: active, licensed (not metered) and
 * priced in its currency. Add-ons are plans of products marked `add_on` on the subscription's own interval, leaving
 * out the plans it already holds.
 *
 * Base plans of the same interval are always offered. A base plan of another interval is offered only where the
 * API takes the change with the pages' default timing (`docs/billing-rules.md`, "Subscription items"): the base item
 * is the subscription's only item (the API refuses a change that would leave add-ons or metered items on the old
 * interval, since all items bill on one), and the subscription is not past due (an interval change takes effect
 * at once, which the API refuses until the past-due invoice is settled).
 */
export async function planOffers(
  api: ApiClient,
  subscription: SubscriptionView,
): Promise<{ basePlans: PlanOffer[]; addOns: PlanOffer[] }> {
  const catalogue = api.catalogue();
  const [plans, products] = await Promise.all([
    catalogue.get<ListOf<PlanResponse>>(withQuery('/v1/plans', { active: 'true', limit: 100 })),
    catalogue.get<ListOf<ProductResponse>>(withQuery('/v1/products', { limit: 100 })),
  ]);
  const addOnProducts = new Set(
    products.data.filter((product) => product.add_on).map((product) => product.id),
  );
  const held = new Set(subscription.items.map((item) => item.planId));
  const intervalOf = (plan: PlanResponse): Interval => ({ unit: plan.interval, count: plan.interval_count });
  const anotherIntervalTaken = subscription.items.length === 1 && subscription.status !== 'past_due';
  const priced = plans.data.filter(
    (plan) => plan.currencies.includes(subscription.currency) && plan.meter_id === null,
  );
  const offer = (plan: PlanResponse): PlanOffer => ({
    id: plan.id,
    name: plan.name,
    amountPerUnit: periodAmountOf(plan, subscription.currency, 1) ?? 0,
    interval: intervalOf(plan),
  });
  const onInterval = (plan: PlanResponse) => sameInterval(intervalOf(plan), subscription.interval);
  const basePlans = priced.filter((plan) => !addOnProducts.has(plan.product_id));
  return {
    // The subscription's own interval first, so the current plan's neighbours are at hand.
    basePlans: [
      ...basePlans.filter(onInterval),
      ...(anotherIntervalTaken ? basePlans.filter((plan) => !onInterval(plan)) : []),
    ].map(offer),
    addOns: priced
      .filter((plan) => addOnProducts.has(plan.product_id) && !held.has(plan.id) && onInterval(plan))
      .map(offer),
  };
}

type Result = Sent<SubscriptionResponse>;

const command = (api: ApiClient, id: string, name: string, body: Record<string, unknown>): Promise<Result> =>
  api.send<SubscriptionResponse>('POST', `/v1/subscriptions/${encodeURIComponent(id)}/${name}`, body);

export function pause(
  api: ApiClient,
  id: string,
  input: { at: 'immediately' | 'period_end'; resumesAt: string | null },
): Promise<Result> {
  return command(api, id, 'pause', {
    at: input.at,
    ...(input.resumesAt ? { resumes_at: input.resumesAt } : {}),
  });
}

export function resume(api: ApiClient, id: string): Promise<Result> {
  return command(api, id, 'resume', {});
}

export function cancel(
  api: ApiClient,
  id: string,
  input: { at: 'period_end' | 'immediately'; reason?: string; unused?: 'refund' | 'credit' | 'none' },
): Promise<Result> {
  return command(api, id, 'cancel', {
    at: input.at,
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.at === 'immediately' && input.unused ? { unused: input.unused } : {}),
  });
}

/** Undoes a cancellation at period end. */
export function undoCancel(api: ApiClient, id: string): Promise<Result> {
  return command(api, id, 'reactivate', {});
}

/**
 * One change of a subscription's items, as a page offers it: the base item's plan and quantity (`change`), an
 * add-on added (`items`), an item's quantity changed (`items/:item_id`) or an item removed (`DELETE
 * items/:item_id`). Each has the API's own preview, and the confirmation sends the same change with the timing the
 * preview answered, so what is charged is what was shown.
 */
export type ItemChange =
  | { kind: 'base'; planId?: string; quantity?: number }
  | { kind: 'add'; planId: string; quantity?: number }
  | { kind: 'update'; itemId: string; quantity?: number }
  | { kind: 'remove'; itemId: string };

export type Timing = 'immediately' | 'period_end';

const sub = (id: string) => `/v1/subscriptions/${encodeURIComponent(id)}`;
const item = (id: string, itemId: string) => `${sub(id)}/items/${encodeURIComponent(itemId)}`;

/** The plan and quantity fields of a change's body; an unreadable quantity is sent for the API to name. */
function fields(change: ItemChange): Record<string, unknown> {
  switch (change.kind) {
    case 'base':
    case 'add':
      return {
        ...(change.planId ? { plan_id: change.planId } : {}),
        ...(change.quantity === undefined ? {} : { quantity: change.quantity }),
      };
    case 'update':
      return change.quantity === undefined ? {} : { quantity: change.quantity };
    case 'remove':
      return {};
  }
}

function previewPath(id: string, change: ItemChange): string {
  switch (change.kind) {
    case 'base':
      return `${sub(id)}/change/preview`;
    case 'add':
      return `${sub(id)}/items/preview`;
    case 'update':
      return `${item(id, change.itemId)}/preview`;
    case 'remove':
      return `${item(id, change.itemId)}/remove/preview`;
  }
}

export interface ChangePreview {
  timing: Timing;
  effectiveAt: string;
  invoiceNow: boolean;
  currency: string;
  lines: {
    /** `proration` (a credit for unused time or a charge for the rest of the period), `subscription` (a whole new period), … */
    kind: string;
    description: string;
    amount: number;
    periodStart: string | null;
    periodEnd: string | null;
  }[];
  total: number;
  /** The items after the change. */
  items: ItemView[];
  /**
   * Set when the change moves the subscription to another interval: the interval it bills on afterwards and, when
   * the change invoices a new period now, that period (a whole one, from the change on).
   */
  intervalChange: { from: Interval; to: Interval; newPeriod: { start: string; end: string } | null } | null;
}

/** The exact lines the change would invoice now, from the API's preview; nothing changes. */
export async function previewItemChange(
  api: ApiClient,
  id: string,
  change: ItemChange,
  timing?: Timing,
): Promise<Sent<ChangePreview>> {
  const [answer, current] = await Promise.all([
    api.send<ChangePreviewResponse>('POST', previewPath(id, change), {
      ...fields(change),
      ...(timing ? { timing } : {}),
    }),
    // The interval it bills on now (the committed state, as the preview reads it), to say when that changes.
    api.send<SubscriptionResponse>('GET', sub(id)),
  ]);
  if (!answer.ok) return answer;
  const preview = answer.body;
  const items = ordered(preview.items.map(itemView), preview.plan_id);
  const from = current.ok ? { unit: current.body.interval, count: current.body.interval_count } : null;
  const to = items[0]?.interval ?? null;
  const newPeriod = preview.lines.find((line) => line.kind === 'subscription' && line.period_start);
  return {
    ok: true,
    body: {
      timing: preview.timing,
      effectiveAt: preview.effective_at,
      invoiceNow: preview.invoice_now,
      currency: preview.currency,
      lines: preview.lines.map((line) => ({
        kind: line.kind,
        description: line.description,
        amount: line.amount,
        periodStart: line.period_start,
        periodEnd: line.period_end,
      })),
      total: preview.total,
      items,
      intervalChange:
        from && to && !sameInterval(from, to)
          ? {
              from,
              to,
              newPeriod:
                newPeriod?.period_start && newPeriod.period_end
                  ? { start: newPeriod.period_start, end: newPeriod.period_end }
                  : null,
            }
          : null,
    },
  };
}

/** Makes the change; `timing` is the one its preview answered. */
export function applyItemChange(
  api: ApiClient,
  id: string,
  change: ItemChange,
  timing?: Timing,
): Promise<Result> {
  const timed = timing ? { timing } : {};
  switch (change.kind) {
    case 'base':
      return api.send<SubscriptionResponse>('POST', `${sub(id)}/change`, { ...fields(change), ...timed });
    case 'add':
      return api.send<SubscriptionResponse>('POST', `${sub(id)}/items`, { ...fields(change), ...timed });
    case 'update':
      return api.send<SubscriptionResponse>('POST', item(id, change.itemId), { ...fields(change), ...timed });
    case 'remove':
      // The API takes a removal's options as query parameters: a DELETE has no body.
      return api.send<SubscriptionResponse>('DELETE', withQuery(item(id, change.itemId), timed));
  }
}

export function cancelScheduledChange(api: ApiClient, id: string): Promise<Result> {
  return command(api, id, 'change/cancel', {});
}

/** Points the subscription at a payment method; a past-due invoice is retried at once. */
export function usePaymentMethod(api: ApiClient, id: string, paymentMethodId: string): Promise<Result> {
  return command(api, id, 'payment_method', { payment_method_id: paymentMethodId });
}

/** The subscriptions a new payment method should serve: those that still bill. */
export function billsAgain(subscription: SubscriptionView): boolean {
  return ['trialing', 'active', 'past_due', 'unpaid', 'incomplete', 'paused'].includes(subscription.status);
}
