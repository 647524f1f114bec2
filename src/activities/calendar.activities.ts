import { periodBounds, reminderAt } from '../domain/calendar';
import {
  DEFAULT_DUNNING_POLICY,
  type DunningNotice,
  type DunningPolicy,
  nextDunningStep,
} from '../domain/dunning';
import type {
  DunningDecision,
  DunningStepRequest,
  NotificationKind,
  PlanPeriodRequest,
} from './lifecycle.contract';
import type { PeriodPlan } from '../workflows/lifecycle/state';

/** Days before a yearly renewal at which the customer is reminded (PRODUCT.md). */
export const YEARLY_RENEWAL_REMINDER_DAYS = 7;

export const noticeEmail: Record<DunningNotice, NotificationKind> = {
  payment_failed: 'payment_failed',
  reminder: 'dunning_reminder',
  second_reminder: 'dunning_second_reminder',
  final_notice: 'dunning_final_notice',
};

/**
 * Everything that depends on time-zone data runs here, outside the workflow sandbox, and reaches the workflow as
 * recorded activity results: a tzdata update in a newer Node cannot change a replayed history.
 */
export function createCalendarActivities(deps: { dunningPolicy: () => Promise<DunningPolicy> }) {
  return {
    async planPeriod(request: PlanPeriodRequest): Promise<PeriodPlan> {
      const period = periodBounds(request.anchor, request.interval, request.index, request.timeZone);
      const yearly = request.interval.unit === 'year';
      return {
        period,
        renewalReminderAt: yearly
          ? reminderAt(period.end, YEARLY_RENEWAL_REMINDER_DAYS, request.timeZone)
          : null,
      };
    },

    async planDunningStep(request: DunningStepRequest): Promise<DunningDecision> {
      const step = nextDunningStep(
        await deps.dunningPolicy(),
        request.failedAttempts,
        request.firstFailureAt,
        request.timeZone,
      );
      return step.type === 'retry'
        ? { type: 'retry', retryAt: step.retryAt, notice: noticeEmail[step.notice] }
        : { type: 'final', action: step.action };
    },
  };
}

export const defaultDunningPolicy = async (): Promise<DunningPolicy> => DEFAULT_DUNNING_POLICY;
