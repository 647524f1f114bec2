import type { ClockState } from '../clock';
import type { LifecycleInput } from '../input';
import { STATE_SCHEMA_VERSION, type SubscriptionItem, type SubscriptionState } from '../state';
import type { SubscriptionState as LegacyState } from './state-v1';

/**
 * A version 1 state in the item model: its one plan becomes one licensed item. The amount is version 1's
 * (unit amount × quantity) until the new run reprices the item from the catalogue (`repriceItems`), which also
 * fills in the plan's name; the item's id derives from the subscription's, so a replay derives the same one.
 */
export function migrateState(legacy: LegacyState): SubscriptionState {
  const item = (planId: string, unitAmount: number, quantity: number): SubscriptionItem => ({
    id: `si_${legacy.subscriptionId.replace(/^sub_/, '')}`,
    planId,
    name: planId,
    quantity,
    amount: unitAmount * quantity,
    metered: false,
    addOn: false,
    interval: legacy.interval,
  });
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    subscriptionId: legacy.subscriptionId,
    customerId: legacy.customerId,
    currency: legacy.currency,
    items: [item(legacy.plan.planId, legacy.plan.unitAmount, legacy.quantity)],
    status: legacy.status,
    timeZone: legacy.timeZone,
    anchor: legacy.anchor,
    anchorPeriodIndex: legacy.anchorPeriodIndex,
    interval: legacy.interval,
    periodIndex: legacy.periodIndex,
    period: legacy.period,
    usageFrom: legacy.period.start,
    renewalReminderAt: legacy.renewalReminderAt,
    renewalReminderSent: legacy.renewalReminderSent,
    trialEnd: legacy.trialEnd,
    trialReminderAt: legacy.trialReminderAt,
    trialReminderSent: legacy.trialReminderSent,
    trialEndWithoutPaymentMethod: legacy.trialEndWithoutPaymentMethod,
    paymentMethodId: legacy.paymentMethodId,
    cancelAtPeriodEnd: legacy.cancelAtPeriodEnd,
    cancelReason: legacy.cancelReason,
    canceledAt: legacy.canceledAt,
    pause: legacy.pause,
    pauseAtPeriodEnd: legacy.pauseAtPeriodEnd,
    scheduledChange: legacy.scheduledChange
      ? {
          items: [
            item(
              legacy.scheduledChange.plan.planId,
              legacy.scheduledChange.plan.unitAmount,
              legacy.scheduledChange.quantity,
            ),
          ],
          interval: legacy.interval,
        }
      : null,
    dunning: legacy.dunning ? { ...legacy.dunning, hardDecline: null, cause: 'declined' } : null,
    incompleteExpiresAt: legacy.incompleteExpiresAt,
    renewals: legacy.renewals,
    couponIds: legacy.couponIds ?? [],
    attention: null,
    testClockId: null,
  };
}

export function migrateToCurrentInput(run: {
  state: LegacyState;
  clock: ClockState;
  eventSeq: number;
}): LifecycleInput {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    state: migrateState(run.state),
    clock: run.clock,
    opened: true,
    eventSeq: run.eventSeq,
    repriceItems: true,
  };
}
