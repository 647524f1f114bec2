/**
 * The subscription's lifecycle state (schema version 2: subscription items) and the pure rules over it.
 * Workflow-safe: no I/O, no time-zone data (every calendar instant arrives precomputed from an activity), plain JSON
 * only so it crosses continue-as-new intact.
 */

export const STATE_SCHEMA_VERSION = 2;

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

/**
 * One price of the subscription with its quantity. A licensed item bills `amount` for every whole period in
 * advance; a metered item bills its meter's usage in arrears and has no amount of its own.
 */
export interface SubscriptionItem {
  /** `si_…`; stays the same when the item's plan or quantity changes. */
  id: string;
  planId: string;
  /** The plan's name when the item was set, for operators and emails. */
  name: string;
  quantity: number;
  /** What one whole period of this item costs at its quantity under its plan's pricing model (minor units). */
  amount: number;
  metered: boolean;
  addOn: boolean;
  interval: BillingInterval;
  /** The plan's setup fee is still to be invoiced: on the item's first paid invoice. */
  setupFeeDue?: boolean;
  /** The plan's prices include tax: `amount` is gross (revenue figures take the tax out). */
  taxInclusive?: boolean;
}

export interface DunningState {
  invoiceId: string;
  failedAttempts: number;
  firstFailureAt: string;
  nextRetryAt: string | null;
  /** A decline no retry of the same payment method can fix: scheduled moments remind, they do not charge. */
  hardDecline: string | null;
  /** Why the invoice is being collected again: its own failed charge, or a chargeback the customer lost. */
  cause: 'declined' | 'dispute_lost';
}

export interface ScheduledChange {
  items: SubscriptionItem[];
  interval: BillingInterval;
}

export interface PendingPause {
  resumesAt: string | null;
}

/** A timed moment that failed on data the workflow cannot fix by retrying: it waits for an operator. */
export interface Attention {
  code: string;
  message: string;
  since: string;
  moment: MomentKind | null;
}

export interface SubscriptionState {
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  subscriptionId: string;
  customerId: string;
  currency: string;
  items: SubscriptionItem[];
  status: SubscriptionStatus;
  timeZone: string;
  /** Periods are computed from the anchor, which moves when a trial ends, a pause is resumed or the interval changes. */
  anchor: string;
  /** The period index at which `anchor` took effect: the calendar index is `periodIndex - anchorPeriodIndex`. */
  anchorPeriodIndex: number;
  /** Shared by every item (as in Stripe): a change to another interval moves the anchor. */
  interval: BillingInterval;
  /** Increases for life, never reset, so (subscription, periodIndex) keys an invoice for good. */
  periodIndex: number;
  period: BillingPeriod;
  /** Usage since this instant has not been invoiced yet (metered items bill in arrears). */
  usageFrom: string;
  renewalReminderAt: string | null;
  renewalReminderSent: boolean;
  trialEnd: string | null;
  trialReminderAt: string | null;
  trialReminderSent: boolean;
  /** What to do when a trial ends without a payment method. */
  trialEndWithoutPaymentMethod: 'cancel' | 'pause';
  /** The subscription's own payment method; without one, charges use the customer's default. */
  paymentMethodId: string | null;
  cancelAtPeriodEnd: boolean;
  cancelReason: string | null;
  canceledAt: string | null;
  pause: { since: string; resumesAt: string | null } | null;
  pauseAtPeriodEnd: PendingPause | null;
  scheduledChange: ScheduledChange | null;
  /** The episode collecting an invoice; an `unpaid` subscription keeps it (without retries) for the invoice it owes. */
  dunning: DunningState | null;
  /** An unpaid first invoice of a subscription without trial: the subscription expires at this instant. */
  incompleteExpiresAt: string | null;
  renewals: number;
  /** Coupons redeemed by this subscription (their discounts are stored with the invoices' inputs). */
  couponIds: string[];
  attention: Attention | null;
  testClockId: string | null;
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
  if (state.attention) return null;
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
      if (state.renewalReminderAt && !state.renewalReminderSent && !state.cancelAtPeriodEnd) {
        candidates.push({ kind: 'renewal_reminder', at: state.renewalReminderAt });
      }
      if (state.dunning?.nextRetryAt)
        candidates.push({ kind: 'dunning_retry', at: state.dunning.nextRetryAt });
      candidates.push({ kind: 'period_end', at: state.period.end });
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

/** What the licensed items cost for one whole period: the basis of proration and of a change's direction. */
export function licensedAmount(items: readonly SubscriptionItem[]): number {
  return items.reduce((total, item) => (item.metered ? total : total + item.amount), 0);
}

/** The next instant money moves by itself: a charge, a retry, a trial's end, an expiry. */
export function nextMoneyMoment(state: SubscriptionState): string | null {
  const next = nextMoment(state);
  if (!next) return null;
  switch (next.kind) {
    case 'trial_reminder':
      return state.trialEnd;
    case 'renewal_reminder':
      return state.period.end;
    default:
      return next.at;
  }
}
