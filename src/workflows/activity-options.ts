import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/** The few retry presets activities run under; each states its own failure budget. */
export const fastDbWrite: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

export const email: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  // SMTP outages last minutes to hours; the outbox makes every retry safe, so retry without a limit.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
};

export const pureComputation: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
};

export const externalCharge: ActivityOptions = {
  // A charge with no answer within a minute is ambiguous; the retry settles it by idempotency key before charging.
  startToCloseTimeout: '1 minute',
  // The worker heartbeats for every attempt that runs longer than a quarter of this (src/temporal/activity-attempts.ts),
  // so an attempt whose worker died, or that no worker received, is retried after 20 s (and the backoff) instead of
  // the minute above.
  heartbeatTimeout: '20 seconds',
  // Declines come back as results, not failures; what is retried here is the processor being unreachable or slow,
  // and every retry carries the same idempotency key.
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 20,
  },
};

/**
 * Short database steps run as local activities: recorded as one marker in the workflow task that asked for them
 * instead of three events and two task round trips, with the same retries (the SDK schedules long backoffs with a
 * timer).
 */
export const localDbWrite: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** Calendar and dunning arithmetic that needs time-zone data or the seller's policy, kept out of workflow code. */
export const localCalendar: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
