import {
  STATE_SCHEMA_VERSION,
  type SubscriptionItem,
  type SubscriptionState,
} from '../../src/workflows/lifecycle/state';

/** A licensed monthly item: `amount` minor units for a whole period at its quantity. */
export function item(overrides: Partial<SubscriptionItem> = {}): SubscriptionItem {
  return {
    id: 'si_000000000000000000000001',
    planId: 'plan_basic',
    name: 'Basic',
    quantity: 1,
    amount: 1900,
    metered: false,
    addOn: false,
    interval: { unit: 'month', count: 1 },
    ...overrides,
  };
}

/** An active monthly subscription in its first period (31 Jan → 28 Feb 2027), for the pure rules' tests. */
export function activeState(overrides: Partial<SubscriptionState> = {}): SubscriptionState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    subscriptionId: 'sub_1',
    customerId: 'cus_1',
    currency: 'EUR',
    items: [item()],
    status: 'active',
    timeZone: 'UTC',
    anchor: '2027-01-31T00:00:00.000Z',
    anchorPeriodIndex: 0,
    interval: { unit: 'month', count: 1 },
    periodIndex: 0,
    period: { start: '2027-01-31T00:00:00.000Z', end: '2027-02-28T00:00:00.000Z' },
    usageFrom: '2027-01-31T00:00:00.000Z',
    renewalReminderAt: null,
    renewalReminderSent: false,
    trialEnd: null,
    trialReminderAt: null,
    trialReminderSent: false,
    trialEndWithoutPaymentMethod: 'cancel',
    paymentMethodId: 'pm_1',
    cancelAtPeriodEnd: false,
    cancelReason: null,
    canceledAt: null,
    pause: null,
    pauseAtPeriodEnd: null,
    scheduledChange: null,
    dunning: null,
    incompleteExpiresAt: null,
    renewals: 0,
    couponIds: [],
    attention: null,
    testClockId: null,
    ...overrides,
  };
}

export function dunning(
  nextRetryAt: string | null,
  overrides: Partial<NonNullable<SubscriptionState['dunning']>> = {},
) {
  return {
    invoiceId: 'in_1',
    failedAttempts: 1,
    firstFailureAt: '2027-01-31T00:00:00.000Z',
    nextRetryAt,
    hardDecline: null,
    cause: 'declined' as const,
    ...overrides,
  };
}
