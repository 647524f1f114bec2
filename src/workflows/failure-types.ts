/** Failure types an activity raises for what no retry can fix; the workflow branches on them. */
export const ActivityFailureType = {
  /** Data the billing rules or the database refuse (an amount out of range, a missing price, a constraint). */
  billingData: 'BillingDataError',
  /** The configuration is incomplete (no seller settings). */
  misconfigured: 'BillingMisconfigured',
  /** A command's rule checked against the database refused it (a coupon used up, an invoice no longer open). */
  commandRefused: 'CommandRefused',
} as const;
