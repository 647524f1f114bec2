import {
  DEFAULT_DUNNING_POLICY,
  DomainError,
  nextDunningStep,
  type DunningPolicy,
} from '../../../src/domain';

const FIRST_FAILURE = '2024-06-01T10:00:00Z';

describe('default dunning schedule (1, 3, 5, 7 days)', () => {
  it('retries on days 1, 3, 5 and 7 after the first failure with escalating notices', () => {
    const steps = [1, 2, 3, 4].map((failed) =>
      nextDunningStep(DEFAULT_DUNNING_POLICY, failed, FIRST_FAILURE),
    );
    expect(steps).toEqual([
      { type: 'retry', attempt: 2, retryAt: '2024-06-02T10:00:00.000Z', notice: 'payment_failed' },
      { type: 'retry', attempt: 3, retryAt: '2024-06-04T10:00:00.000Z', notice: 'reminder' },
      { type: 'retry', attempt: 4, retryAt: '2024-06-06T10:00:00.000Z', notice: 'second_reminder' },
      { type: 'retry', attempt: 5, retryAt: '2024-06-08T10:00:00.000Z', notice: 'final_notice' },
    ]);
  });

  it('after the fifth failure applies the final action and marks the invoice uncollectible', () => {
    expect(nextDunningStep(DEFAULT_DUNNING_POLICY, 5, FIRST_FAILURE)).toEqual({
      type: 'final',
      action: 'cancel',
      invoiceStatus: 'uncollectible',
      notice: null,
    });
  });

  it('uses the configured final action', () => {
    const policy: DunningPolicy = { retryOffsetsDays: [2], notices: ['final_notice'], finalAction: 'unpaid' };
    expect(nextDunningStep(policy, 2, FIRST_FAILURE)).toMatchObject({ type: 'final', action: 'unpaid' });
  });

  it('counts retry days in the billing time zone, keeping the wall time across DST', () => {
    const step = nextDunningStep(DEFAULT_DUNNING_POLICY, 4, '2024-03-28T09:00:00Z', 'Europe/Berlin');
    expect(step).toMatchObject({ retryAt: '2024-04-04T08:00:00.000Z' });
  });

  it('rejects decreasing offsets, a notice count that differs from the retries, and zero failures', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof DomainError ? error.code : 'other';
      }
      return undefined;
    };
    const bad: DunningPolicy = { ...DEFAULT_DUNNING_POLICY, retryOffsetsDays: [3, 1, 5, 7] };
    expect(code(() => nextDunningStep(bad, 1, FIRST_FAILURE))).toBe('invalid_dunning_policy');
    const short: DunningPolicy = { ...DEFAULT_DUNNING_POLICY, notices: ['reminder'] };
    expect(code(() => nextDunningStep(short, 1, FIRST_FAILURE))).toBe('invalid_dunning_policy');
    expect(code(() => nextDunningStep(DEFAULT_DUNNING_POLICY, 0, FIRST_FAILURE))).toBe(
      'invalid_dunning_state',
    );
  });
});
