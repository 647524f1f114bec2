import type { ActivityOptions } from '@temporalio/workflow';

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
  // Declines come back as results, not failures; what is retried here is the processor being unreachable or slow,
  // and every retry carries the same idempotency key.
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 20,
  },
};
