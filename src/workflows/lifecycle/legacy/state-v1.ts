/**
 * The subscription's lifecycle state and the pure rules over it. Workflow-safe: no I/O, no time-zone data (every
 * calendar instant arrives precomputed from an activity), plain JSON only so it crosses continue-as-new intact.
 */

export type SubscriptionStatus =
  'trialing' | 'active' | 'past_due' | 'paused' | 'unpaid' | 'incomplete' | 'incomplete_expired' | 'canceled';

export const FINAL_STATUSES: readonly SubscriptionStatus[] = ['canceled', 'incomplete_expired'];

export interface BillingInterval {
  unit: 'day' | 'week' | 'month' | 'year';
  count: number;
}

export interface BillingPeriod {
  start: string;
  end: string;
}

/** Instants that depend on the calendar, computed outside workflow code for one period. */
export interface PeriodPlan {
  period: BillingPeriod;
  /** When to send the upcoming-renewal reminder (yearly plans only), if any. */
  renewalReminderAt: string | null;
}

export interface PlanRef {
  planId: string;
  /** Price per unit and period in the subscription's currency, in minor units. */
  unitAmount: number;
}

export interface DunningState {
  invoiceId: string;
  failedAttempts: number;
  firstFailureAt: string;
  nextRetryAt: string | null;
}

export interface ScheduledChange {
  plan: PlanRef;
  quantity: number;
}

export interface PendingPause {
  resumesAt: string | null;
}

export interface SubscriptionState {
  subscriptionId: string;
  customerId: string;
  currency: string;
  plan: PlanRef;
  quantity: number;
  status: SubscriptionStatus;
  timeZone: string;
  /** Periods are computed from the anchor, which moves when a trial ends or a pause is resumed. */
  anchor: string;
  /** The period index at which `anchor` took effect: the calendar index is `periodIndex - anchorPeriodIndex`. */
  anchorPeriodIndex: number;
  interval: BillingInterval;
  /** Increases for life, never reset, so (subscription, periodIndex) keys an invoice for good. */
  periodIndex: number;
  period: BillingPeriod;
  renewalReminderAt: string | null;
  renewalReminderSent: boolean;
  trialEnd: string | null;
  trialReminderAt: string | null;
  trialReminderSent: boolean;
  /** What to do when a trial ends without a payment method. */
  trialEndWithoutPaymentMethod: 'cancel' | 'pause';
  paymentMethodId: string | null;
  cancelAtPeriodEnd: boolean;
  cancelReason: string | null;
  canceledAt: string | null;
  pause: { since: string; resumesAt: string | null } | null;
  pauseAtPeriodEnd: PendingPause | null;
  scheduledChange: ScheduledChange | null;
  dunning: DunningState | null;
  /** An unpaid first invoice of a subscription without trial: the subscription expires at this instant. */
  incompleteExpiresAt: string | null;
  renewals: number;
  /** Coupons redeemed by this subscription (their discounts are stored with the invoices' inputs). */
  couponIds?: string[];
}

export type MomentKind =
  | 'trial_reminder'
  | 'trial_end'
  | 'renewal_reminder'
  | 'period_end'
  | 'dunning_retry'
  | 'incomplete_expiry'
  | 'resume';

export interface Moment {
  kind: MomentKind;
  at: string;
}

const ms = (iso: string): number => Date.parse(iso);

/** The earliest thing the workflow has to do by itself; null when only a command can move it on. */
export function nextMoment(state: SubscriptionState): Moment | null {
  const candidates: Moment[] = [];
  switch (state.status) {
    case 'trialing':
      if (state.trialReminderAt && !state.trialReminderSent) {
        candidates.push({ kind: 'trial_reminder', at: state.trialReminderAt });
      }
      if (state.trialEnd) candidates.push({ kind: 'trial_end', at: state.trialEnd });
      break;
    case 'active':
    case 'past_due':
    case 'unpaid':
      if (state.renewalReminderAt && !state.renewalReminderSent && !state.cancelAtPeriodEnd) {
        candidates.push({ kind: 'renewal_reminder', at: state.renewalReminderAt });
      }
      if (state.dunning?.nextRetryAt)
        candidates.push({ kind: 'dunning_retry', at: state.dunning.nextRetryAt });
      if (state.status !== 'unpaid') candidates.push({ kind: 'period_end', at: state.period.end });
      break;
    case 'incomplete':
      if (state.incompleteExpiresAt)
        candidates.push({ kind: 'incomplete_expiry', at: state.incompleteExpiresAt });
      break;
    case 'paused':
      if (state.pause?.resumesAt) candidates.push({ kind: 'resume', at: state.pause.resumesAt });
      break;
    default:
      break;
  }
  // Ties resolve in declaration order above: a reminder due with the period end goes out first.
  return candidates.reduce<Moment | null>(
    (earliest, m) => (!earliest || ms(m.at) < ms(earliest.at) ? m : earliest),
    null,
  );
}

export function isDue(moment: Moment, nowMs: number): boolean {
  return ms(moment.at) <= nowMs;
}

export function isFinal(status: SubscriptionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

export function periodAmount(state: Pick<SubscriptionState, 'plan' | 'quantity'>): number {
  return state.plan.unitAmount * state.quantity;
}

/** How a period's charge is named on a change's proration lines; the change preview names them the same way. */
export function periodChargeDescription(state: Pick<SubscriptionState, 'plan' | 'quantity'>): string {
  return `${state.plan.planId} × ${state.quantity}`;
}
