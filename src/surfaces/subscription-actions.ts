import { priceAmount, type PricingScheme } from '../domain/pricing';
import type { PlanResponse } from '../api/schemas/plans';
import type { ChangePreviewResponse, SubscriptionResponse } from '../api/schemas/subscriptions';
import { type ApiClient, type ListOf, type Sent, withQuery } from './api-client';

/**
 * Every call the portal and the console make that depends on the shape of a subscription or of its commands lives
 * here, and goes through the JSON API's own routes (`/v1/subscriptions/:id/{cancel,reactivate,pause,resume,change,
 * change/preview,change/cancel,payment_method}`). When those routes change, this module follows and the pages
 * keep reading `SubscriptionView`.
 */

export interface SubscriptionView {
  id: string;
  customerId: string;
  status: string;
  planId: string;
  planName: string;
  quantity: number;
  currency: string;
  timeZone: string;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  trialEnd: string | null;
  /** The next regular invoice: its date and its amount before tax and credit; null when none is due. */
  nextInvoice: { at: string; amount: number } | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  cancellationReason: string | null;
  pause: { since: string; resumesAt: string | null } | null;
  pauseAtPeriodEnd: { resumesAt: string | null } | null;
  scheduledChange: { planId: string; planName: string; quantity: number } | null;
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

class Plans {
  private readonly cache = new Map<string, Promise<PlanResponse | null>>();
  private readonly api: ApiClient;
  constructor(api: ApiClient) {
    this.api = api.catalogue();
  }

  get(id: string): Promise<PlanResponse | null> {
    let plan = this.cache.get(id);
    if (!plan) {
      plan = this.api.get<PlanResponse>(`/v1/plans/${encodeURIComponent(id)}`).catch(() => null);
      this.cache.set(id, plan);
    }
    return plan;
  }
}

async function viewOf(subscription: SubscriptionResponse, plans: Plans): Promise<SubscriptionView> {
  const plan = await plans.get(subscription.plan_id);
  const scheduled = subscription.scheduled_change;
  const scheduledPlan = scheduled ? await plans.get(scheduled.plan_id) : null;
  const billsNext =
    RUNNING.has(subscription.status) &&
    !subscription.cancel_at_period_end &&
    !subscription.pause_at_period_end;
  const nextPlan = scheduledPlan ?? plan;
  const nextAmount = nextPlan
    ? periodAmountOf(nextPlan, subscription.currency, scheduled?.quantity ?? subscription.quantity)
    : null;
  return {
    id: subscription.id,
    customerId: subscription.customer_id,
    status: subscription.status,
    planId: subscription.plan_id,
    planName: plan?.name ?? subscription.plan_id,
    quantity: subscription.quantity,
    currency: subscription.currency,
    timeZone: subscription.time_zone,
    currentPeriodStart: subscription.current_period_start,
    currentPeriodEnd: subscription.current_period_end,
    trialEnd: subscription.trial_end,
    nextInvoice:
      billsNext && nextAmount !== null
        ? { at: subscription.trial_end ?? subscription.current_period_end, amount: nextAmount }
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
    scheduledChange: scheduled
      ? {
          planId: scheduled.plan_id,
          planName: scheduledPlan?.name ?? scheduled.plan_id,
          quantity: scheduled.quantity,
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

/** One subscription, live from its workflow while it runs. */
export async function loadSubscription(api: ApiClient, id: string): Promise<SubscriptionView> {
  const subscription = await api.get<SubscriptionResponse>(`/v1/subscriptions/${encodeURIComponent(id)}`);
  return viewOf(subscription, new Plans(api));
}

export interface SubscriptionFilter {
  customerId?: string;
  status?: string;
  startingAfter?: string;
  limit?: number;
  /** Read each row live from its workflow (bounded by `limit`): the dunning queue needs attempts and next retry. */
  live?: boolean;
}

/** A page of subscriptions from the read model, with the API's cursor. */
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
  const plans = new Plans(api);
  const rows = filter.live
    ? await Promise.all(
        page.data.map((row) =>
          api.get<SubscriptionResponse>(`/v1/subscriptions/${encodeURIComponent(row.id)}`).catch(() => row),
        ),
      )
    : page.data;
  return { ...page, data: await Promise.all(rows.map((row) => viewOf(row, plans))) };
}

/** The plans a subscription may change to: active, priced in its currency, billed on the same interval. */
export async function changeablePlans(
  api: ApiClient,
  subscription: SubscriptionView,
): Promise<{ id: string; name: string; amountPerUnit: number }[]> {
  const current = await new Plans(api).get(subscription.planId);
  const page = await api
    .catalogue()
    .get<ListOf<PlanResponse>>(withQuery('/v1/plans', { active: 'true', limit: 100 }));
  return page.data
    .filter(
      (plan) =>
        plan.currencies.includes(subscription.currency) &&
        plan.meter_id === null &&
        (!current || (plan.interval === current.interval && plan.interval_count === current.interval_count)),
    )
    .map((plan) => ({
      id: plan.id,
      name: plan.name,
      amountPerUnit: periodAmountOf(plan, subscription.currency, 1) ?? 0,
    }));
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

export interface ChangeInput {
  planId?: string;
  quantity?: number;
  timing?: 'immediately' | 'period_end';
}

const changeBody = (input: ChangeInput) => ({
  ...(input.planId ? { plan_id: input.planId } : {}),
  ...(input.quantity === undefined ? {} : { quantity: input.quantity }),
  ...(input.timing ? { timing: input.timing } : {}),
});

export interface ChangePreview {
  timing: 'immediately' | 'period_end';
  effectiveAt: string;
  invoiceNow: boolean;
  currency: string;
  lines: { description: string; amount: number; periodStart: string | null; periodEnd: string | null }[];
  total: number;
}

/** The exact lines the change would invoice now, from the API's preview; nothing changes. */
export async function previewChange(
  api: ApiClient,
  id: string,
  input: ChangeInput,
): Promise<Sent<ChangePreview>> {
  const answer = await api.send<ChangePreviewResponse>(
    'POST',
    `/v1/subscriptions/${encodeURIComponent(id)}/change/preview`,
    changeBody(input),
  );
  if (!answer.ok) return answer;
  const preview = answer.body;
  return {
    ok: true,
    body: {
      timing: preview.timing,
      effectiveAt: preview.effective_at,
      invoiceNow: preview.invoice_now,
      currency: preview.currency,
      lines: preview.lines.map((line) => ({
        description: line.description,
        amount: line.amount,
        periodStart: line.period_start,
        periodEnd: line.period_end,
      })),
      total: preview.total,
    },
  };
}

export function change(api: ApiClient, id: string, input: ChangeInput): Promise<Result> {
  return command(api, id, 'change', changeBody(input));
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
