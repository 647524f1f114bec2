import { addDays } from './calendar';
import { DomainError } from './errors';

export type DunningNotice = 'payment_failed' | 'reminder' | 'second_reminder' | 'final_notice';
export type DunningFinalAction = 'cancel' | 'unpaid' | 'pause';

export type DunningPolicy = {
  /** Days after the first failure at which each retry runs; strictly increasing. */
  retryOffsetsDays: number[];
  /** The notice sent with each failure that is followed by a retry: notices[k] goes out after failure k+1. */
  notices: DunningNotice[];
  finalAction: DunningFinalAction;
};

/**
 * The first failure sends the "payment failed" email with the update link; the later failures escalate
 * through the three dunning levels, so the final notice precedes the last retry.
 */
export const DEFAULT_DUNNING_POLICY: DunningPolicy = {
  retryOffsetsDays: [1, 3, 5, 7],
  notices: ['payment_failed', 'reminder', 'second_reminder', 'final_notice'],
  finalAction: 'cancel',
};

export type DunningStep =
  | { type: 'retry'; attempt: number; retryAt: string; notice: DunningNotice }
  | {
      type: 'final';
      action: DunningFinalAction;
      invoiceStatus: 'uncollectible';
      notice: DunningNotice | null;
    };

export function assertDunningPolicy(policy: DunningPolicy): void {
  let previous = 0;
  for (const offset of policy.retryOffsetsDays) {
    if (!Number.isSafeInteger(offset) || offset <= previous) {
      throw new DomainError(
        'invalid_dunning_policy',
        'Retry offsets must be strictly increasing positive days',
      );
    }
    previous = offset;
  }
  if (policy.notices.length !== policy.retryOffsetsDays.length) {
    throw new DomainError('invalid_dunning_policy', 'One notice per retry is required');
  }
  if (!['cancel', 'unpaid', 'pause'].includes(policy.finalAction)) {
    throw new DomainError('invalid_dunning_policy', `Unknown final action ${policy.finalAction}`);
  }
}

/**
 * What happens after `failedAttempts` failed charges of one invoice (the first charge counts).
 * Retries are measured from the first failure, not from the previous retry, so a late retry never
 * shifts the rest of the schedule.
 */
export function nextDunningStep(
  policy: DunningPolicy,
  failedAttempts: number,
  firstFailureAt: string,
  timeZone = 'UTC',
): DunningStep {
  assertDunningPolicy(policy);
  if (!Number.isSafeInteger(failedAttempts) || failedAttempts < 1) {
    throw new DomainError(
      'invalid_dunning_state',
      `Failed attempts must be at least 1, got ${failedAttempts}`,
    );
  }
  const offset = policy.retryOffsetsDays[failedAttempts - 1];
  const notice = policy.notices[failedAttempts - 1];
  if (offset === undefined || notice === undefined) {
    return { type: 'final', action: policy.finalAction, invoiceStatus: 'uncollectible', notice: null };
  }
  return {
    type: 'retry',
    attempt: failedAttempts + 1,
    retryAt: addDays(firstFailureAt, offset, timeZone),
    notice,
  };
}
