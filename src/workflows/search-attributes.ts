import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Typed keys for the custom search attributes registered on the Temporal namespace. IDs only, no personal data. */
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const PlanIdKey = defineSearchAttributeKey('PlanId', SearchAttributeType.KEYWORD);
export const SubscriptionStatusKey = defineSearchAttributeKey(
  'SubscriptionStatus',
  SearchAttributeType.KEYWORD,
);
export const NextBillingAtKey = defineSearchAttributeKey('NextBillingAt', SearchAttributeType.DATETIME);

/** Failed charges of the open dunning episode (0 without one): `DunningLevel >= 3` finds the late ones. */
export const DunningLevelKey = defineSearchAttributeKey('DunningLevel', SearchAttributeType.INT);
/** True while a timed moment waits for an operator (data no retry can fix). */
export const NeedsAttentionKey = defineSearchAttributeKey('NeedsAttention', SearchAttributeType.BOOL);
/** The customer's test clock, for subscriptions in test mode; absent for live ones. */
export const TestClockIdKey = defineSearchAttributeKey('TestClockId', SearchAttributeType.KEYWORD);

export const searchAttributeKeys = [
  CustomerIdKey,
  PlanIdKey,
  SubscriptionStatusKey,
  NextBillingAtKey,
  DunningLevelKey,
  NeedsAttentionKey,
  TestClockIdKey,
];

/** The name the Temporal CLI and operator API give an attribute's type. */
export function searchAttributeTypeName(type: string): 'Keyword' | 'Datetime' | 'Int' | 'Bool' {
  if (type === 'DATETIME') return 'Datetime';
  if (type === 'INT') return 'Int';
  if (type === 'BOOL') return 'Bool';
  return 'Keyword';
}
