import { periodBounds, reminderAt, trialEnd as trialEndAt } from '../domain/calendar';
import {
  type BillingInterval,
  STATE_SCHEMA_VERSION,
  type SubscriptionItem,
  type SubscriptionState,
} from '../workflows/lifecycle/state';

/** Days before a trial's end at which the customer is reminded (PRODUCT.md). */
export const TRIAL_REMINDER_DAYS = 3;

export interface NewSubscription {
  subscriptionId: string;
  customerId: string;
  currency: string;
  items: SubscriptionItem[];
  interval: BillingInterval;
  timeZone: string;
  /** The instant the subscription starts: now, or the test clock's time. */
  startAt: string;
  trialDays: number;
  paymentMethodId: string | null;
  trialEndWithoutPaymentMethod: 'cancel' | 'pause';
  couponIds: string[];
  testClockId: string | null;
}

/**
 * The lifecycle workflow's first state. Calendar instants are computed here, outside workflow code, and travel in
 * the workflow's input, so its history records them.
 */
export function initialSubscriptionState(input: NewSubscription): SubscriptionState {
  const trialing = input.trialDays > 0;
  const trialEnd = trialing ? trialEndAt(input.startAt, input.trialDays, input.timeZone) : null;
  const trialReminder = trialEnd ? reminderAt(trialEnd, TRIAL_REMINDER_DAYS, input.timeZone) : null;
  const period = trialEnd
    ? { start: input.startAt, end: trialEnd }
    : periodBounds(input.startAt, input.interval, 0, input.timeZone);
  const renewalReminder =
    !trialing && input.interval.unit === 'year' ? reminderAt(period.end, 7, input.timeZone) : null;
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    subscriptionId: input.subscriptionId,
    customerId: input.customerId,
    currency: input.currency,
    items: input.items,
    status: trialing ? 'trialing' : 'active',
    timeZone: input.timeZone,
    anchor: input.startAt,
    anchorPeriodIndex: 0,
    interval: input.interval,
    periodIndex: 0,
    period,
    usageFrom: input.startAt,
    renewalReminderAt: renewalReminder,
    renewalReminderSent: false,
    trialEnd,
    // A trial shorter than the reminder lead time gets no reminder.
    trialReminderAt:
      trialReminder && Date.parse(trialReminder) > Date.parse(input.startAt) ? trialReminder : null,
    trialReminderSent: false,
    trialEndWithoutPaymentMethod: input.trialEndWithoutPaymentMethod,
    paymentMethodId: input.paymentMethodId,
    cancelAtPeriodEnd: false,
    cancelReason: null,
    canceledAt: null,
    pause: null,
    pauseAtPeriodEnd: null,
    scheduledChange: null,
    dunning: null,
    incompleteExpiresAt: null,
    renewals: 0,
    couponIds: input.couponIds,
    attention: null,
    testClockId: input.testClockId,
  };
}
