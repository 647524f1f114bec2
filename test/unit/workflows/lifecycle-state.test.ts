import fc from 'fast-check';
import {
  isFinal,
  nextMoment,
  nextMoneyMoment,
  type SubscriptionState,
  type SubscriptionStatus,
} from '../../../src/workflows/lifecycle/state';
import { activeState, dunning } from '../../support/states';

const base: SubscriptionState = activeState();

describe('nextMoment', () => {
  test('an active subscription wakes at its period end', () => {
    expect(nextMoment(base)).toEqual({ kind: 'period_end', at: '2027-02-28T00:00:00.000Z' });
  });

  test('a trial wakes first for its reminder, then for its end', () => {
    const trialing: SubscriptionState = {
      ...base,
      status: 'trialing',
      trialEnd: '2027-02-14T00:00:00.000Z',
      trialReminderAt: '2027-02-11T00:00:00.000Z',
    };
    expect(nextMoment(trialing)).toEqual({ kind: 'trial_reminder', at: '2027-02-11T00:00:00.000Z' });
    expect(nextMoment({ ...trialing, trialReminderSent: true })).toEqual({
      kind: 'trial_end',
      at: '2027-02-14T00:00:00.000Z',
    });
  });

  test('a dunning retry before the period end comes first', () => {
    const pastDue: SubscriptionState = {
      ...base,
      status: 'past_due',
      dunning: dunning('2027-02-01T00:00:00.000Z'),
    };
    expect(nextMoment(pastDue)).toEqual({ kind: 'dunning_retry', at: '2027-02-01T00:00:00.000Z' });
  });

  test('a yearly renewal reminder is skipped once the subscription cancels at period end', () => {
    const yearly: SubscriptionState = { ...base, renewalReminderAt: '2027-02-21T00:00:00.000Z' };
    expect(nextMoment(yearly)?.kind).toBe('renewal_reminder');
    expect(nextMoment({ ...yearly, cancelAtPeriodEnd: true })?.kind).toBe('period_end');
  });

  test('a paused subscription wakes only for its resume date; without one, only a command moves it', () => {
    const paused: SubscriptionState = {
      ...base,
      status: 'paused',
      pause: { since: '2027-02-01T00:00:00.000Z', resumesAt: '2027-03-15T00:00:00.000Z' },
    };
    expect(nextMoment(paused)).toEqual({ kind: 'resume', at: '2027-03-15T00:00:00.000Z' });
    expect(
      nextMoment({ ...paused, pause: { since: '2027-02-01T00:00:00.000Z', resumesAt: null } }),
    ).toBeNull();
  });

  test('a subscription that needs attention wakes for nothing until an operator retries it', () => {
    const stuck: SubscriptionState = {
      ...base,
      attention: { code: 'BillingDataError', message: 'x', since: base.period.start, moment: 'period_end' },
    };
    expect(nextMoment(stuck)).toBeNull();
  });

  test('an unpaid subscription waits for its invoice to be paid: no renewal, no retry', () => {
    expect(nextMoment({ ...base, status: 'unpaid', dunning: dunning(null) })).toBeNull();
  });

  test('the next moment money moves skips reminders: a trial reminder points at the trial end', () => {
    const trialing: SubscriptionState = {
      ...base,
      status: 'trialing',
      trialEnd: '2027-02-14T00:00:00.000Z',
      trialReminderAt: '2027-02-11T00:00:00.000Z',
    };
    expect(nextMoneyMoment(trialing)).toBe('2027-02-14T00:00:00.000Z');
    expect(
      nextMoneyMoment({ ...base, status: 'past_due', dunning: dunning('2027-02-03T00:00:00.000Z') }),
    ).toBe('2027-02-03T00:00:00.000Z');
  });

  test('an incomplete subscription wakes only to expire', () => {
    const incomplete: SubscriptionState = {
      ...base,
      status: 'incomplete',
      incompleteExpiresAt: '2027-01-31T23:00:00.000Z',
    };
    expect(nextMoment(incomplete)).toEqual({ kind: 'incomplete_expiry', at: '2027-01-31T23:00:00.000Z' });
  });

  const statuses: SubscriptionStatus[] = [
    'trialing',
    'active',
    'past_due',
    'paused',
    'unpaid',
    'incomplete',
    'incomplete_expired',
    'canceled',
  ];
  const instant = fc
    .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') })
    .map((ms) => new Date(ms).toISOString());

  test('property: final subscriptions never wake, and a moment is never later than any pending candidate', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...statuses),
        instant,
        fc.option(instant, { nil: null }),
        fc.option(instant, { nil: null }),
        (status, periodEnd, retryAt, reminderAt) => {
          const state: SubscriptionState = {
            ...base,
            status,
            period: { start: base.period.start, end: periodEnd },
            renewalReminderAt: reminderAt,
            dunning: retryAt ? dunning(retryAt) : null,
          };
          const moment = nextMoment(state);
          if (isFinal(status) || status === 'unpaid') return moment === null;
          if (status === 'active' || status === 'past_due') {
            const candidates = [periodEnd, retryAt, reminderAt].filter((x): x is string => x !== null);
            return moment !== null && candidates.every((c) => Date.parse(moment.at) <= Date.parse(c));
          }
          return true;
        },
      ),
    );
  });
});
