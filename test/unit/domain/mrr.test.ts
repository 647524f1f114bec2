import fc from 'fast-check';
import { DomainError } from '../../../src/domain/errors';
import {
  classifyMovement,
  MRR_COUNTED_STATUSES,
  nextLedgerStep,
  subscriptionMrr,
  trialTransition,
  type LedgerStep,
  type MrrDiscount,
  type MrrInterval,
  type MrrItem,
  type MrrSnapshot,
} from '../../../src/domain/mrr';

function snapshot(overrides: Partial<MrrSnapshot> = {}): MrrSnapshot {
  return {
    status: 'active',
    currency: 'EUR',
    interval: { unit: 'month', count: 1 },
    items: [{ kind: 'licensed', amount: 1900 }],
    discounts: [],
    testMode: false,
    ...overrides,
  };
}

const licensed = (amount: number): MrrItem => ({ kind: 'licensed', amount });
const every = (unit: MrrInterval['unit'], count = 1): MrrInterval => ({ unit, count });

describe('subscriptionMrr: normalisation to a month', () => {
  test.each([
    ['monthly 19.00', every('month'), 1900, 1900],
    ['yearly 100.00 = 10000 / 12 = 833.33…', every('year'), 10_000, 833],
    ['quarterly 100.00 = 10000 / 3 = 3333.33…', every('month', 3), 10_000, 3333],
    ['every 2 years 240.00 = 24000 / 24', every('year', 2), 24_000, 1000],
    ['weekly 10.00 = 1000 × 52 / 12 = 4333.33…', every('week'), 1000, 4333],
    ['every 2 weeks 10.00 = 1000 × 52 / 24 = 2166.66…', every('week', 2), 1000, 2167],
    ['daily 1.00 = 100 × 365 / 12 = 3041.66…', every('day'), 100, 3042],
    ['half a cent rounds away from zero: yearly 0.06 = 0.5', every('year'), 6, 1],
    ['below half a cent rounds down: yearly 0.05 = 0.41…', every('year'), 5, 0],
  ])('%s', (_name, interval, amount, expected) => {
    expect(subscriptionMrr(snapshot({ interval, items: [licensed(amount)] }))).toBe(expected);
  });

  test('sums licensed items and leaves metered items (usage) out', () => {
    const items: MrrItem[] = [licensed(1900), licensed(500), { kind: 'metered', amount: 99_999 }];
    expect(subscriptionMrr(snapshot({ items }))).toBe(2400);
  });

  test('rounds once at the end: three yearly items of 1.00 are 300 / 12 = 25, not 3 × round(8.33) = 24', () => {
    const items = [licensed(100), licensed(100), licensed(100)];
    expect(subscriptionMrr(snapshot({ interval: every('year'), items }))).toBe(25);
  });

  test('counts active and past_due; trialing, paused, unpaid, canceled, incomplete and ended count 0', () => {
    expect([...MRR_COUNTED_STATUSES]).toEqual(['active', 'past_due']);
    expect(subscriptionMrr(snapshot({ status: 'past_due' }))).toBe(1900);
    for (const status of [
      'trialing',
      'paused',
      'unpaid',
      'canceled',
      'incomplete',
      'incomplete_expired',
      'ended',
    ]) {
      expect({ status, mrr: subscriptionMrr(snapshot({ status })) }).toEqual({ status, mrr: 0 });
    }
  });
});

describe('subscriptionMrr: discounts', () => {
  const percent = (basisPoints: number, recurring = true): MrrDiscount => ({
    type: 'percent',
    basisPoints,
    recurring,
  });
  const amount = (value: number, recurring = true): MrrDiscount => ({
    type: 'amount',
    amount: value,
    recurring,
  });

  test('a recurring 25 % off 10.00 leaves 7.50; a one-off discount is not recurring revenue lost', () => {
    const items = [licensed(1000)];
    expect(subscriptionMrr(snapshot({ items, discounts: [percent(2500)] }))).toBe(750);
    expect(subscriptionMrr(snapshot({ items, discounts: [percent(2500, false)] }))).toBe(1000);
    expect(subscriptionMrr(snapshot({ items, discounts: [amount(300)] }))).toBe(700);
  });

  test('applies in order as an invoice does: 20 % then 1.00 off 10.00 is 7.00; 1.00 then 20 % is 7.20', () => {
    const items = [licensed(1000)];
    expect(subscriptionMrr(snapshot({ items, discounts: [percent(2000), amount(100)] }))).toBe(700);
    expect(subscriptionMrr(snapshot({ items, discounts: [amount(100), percent(2000)] }))).toBe(720);
  });

  test('an amount off larger than the subscription leaves 0, never a negative MRR', () => {
    expect(subscriptionMrr(snapshot({ items: [licensed(1000)], discounts: [amount(5000)] }))).toBe(0);
  });

  test('the discount is exact until the end: yearly 10.05 at 50 % is 502.5 / 12 = 41.875 → 42', () => {
    const s = snapshot({ interval: every('year'), items: [licensed(1005)], discounts: [percent(5000)] });
    expect(subscriptionMrr(s)).toBe(42);
  });

  test('refuses negative amounts, percentages beyond 100 % and unknown currencies', () => {
    expect(() => subscriptionMrr(snapshot({ items: [licensed(-1)] }))).toThrow(DomainError);
    expect(() => subscriptionMrr(snapshot({ discounts: [percent(10_001)] }))).toThrow(DomainError);
    expect(() => subscriptionMrr(snapshot({ currency: 'XXX' }))).toThrow(DomainError);
    expect(() => subscriptionMrr(snapshot({ interval: every('month', 0) }))).toThrow(DomainError);
  });
});

describe('subscriptionMrr: properties', () => {
  const PER_MONTH: Record<MrrInterval['unit'], [bigint, bigint]> = {
    day: [365n, 12n],
    week: [52n, 12n],
    month: [1n, 1n],
    year: [1n, 12n],
  };
  const intervalArb = fc.record({
    unit: fc.constantFrom<MrrInterval['unit']>('day', 'week', 'month', 'year'),
    count: fc.integer({ min: 1, max: 36 }),
  });
  const itemsArb = fc.array(fc.integer({ min: 0, max: 10_000_000 }).map(licensed), { maxLength: 6 });

  test('is within half a minor unit of the exact monthly amount (one rounding, no drift)', () => {
    fc.assert(
      fc.property(intervalArb, itemsArb, (interval, items) => {
        const mrr = BigInt(subscriptionMrr(snapshot({ interval, items })));
        const [num, den] = PER_MONTH[interval.unit];
        const exactNumerator = items.reduce((sum, item) => sum + BigInt(item.amount), 0n) * num;
        const exactDenominator = den * BigInt(interval.count);
        // |mrr − n/d| ≤ 1/2  ⇔  |2·mrr·d − 2·n| ≤ d
        const error = 2n * mrr * exactDenominator - 2n * exactNumerator;
        expect(error <= exactDenominator && -error <= exactDenominator).toBe(true);
      }),
    );
  });

  test('a price that divides evenly normalises exactly: 12 × m a year is m a month, 12 × m a week is 52 × m', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (m) => {
        expect(subscriptionMrr(snapshot({ interval: every('year'), items: [licensed(12 * m)] }))).toBe(m);
        expect(subscriptionMrr(snapshot({ interval: every('week'), items: [licensed(12 * m)] }))).toBe(
          52 * m,
        );
        expect(subscriptionMrr(snapshot({ interval: every('day'), items: [licensed(12 * m)] }))).toBe(
          365 * m,
        );
      }),
    );
  });

  test('never grows with a discount and never drops with another licensed item', () => {
    fc.assert(
      fc.property(intervalArb, itemsArb, fc.integer({ min: 0, max: 10_000 }), (interval, items, bp) => {
        const plain = subscriptionMrr(snapshot({ interval, items }));
        const discounted = subscriptionMrr(
          snapshot({ interval, items, discounts: [{ type: 'percent', basisPoints: bp, recurring: true }] }),
        );
        const more = subscriptionMrr(snapshot({ interval, items: [...items, licensed(1)] }));
        expect(discounted).toBeLessThanOrEqual(plain);
        expect(more).toBeGreaterThanOrEqual(plain);
      }),
    );
  });
});

describe('classifyMovement', () => {
  test.each([
    [0, 1900, false, 'new'],
    [0, 1900, true, 'reactivation'],
    [1900, 2900, true, 'expansion'],
    [2900, 1900, true, 'contraction'],
    [1900, 0, true, 'churn'],
    [1900, 1900, true, null],
    [0, 0, false, null],
    [0, 0, true, null],
  ] as const)('%i → %i (counted before: %s) is %s', (before, after, ever, kind) => {
    expect(classifyMovement(before, after, ever)).toBe(kind);
  });

  test('the kind agrees with the sign of the change, for any amounts', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.nat(1e9), fc.boolean(), (before, after, ever) => {
        const kind = classifyMovement(before, after, ever);
        if (before === after) expect(kind).toBeNull();
        else if (before === 0) expect(kind).toBe(ever ? 'reactivation' : 'new');
        else if (after === 0) expect(kind).toBe('churn');
        else expect(kind).toBe(after > before ? 'expansion' : 'contraction');
      }),
    );
  });

  test('refuses negative or fractional MRR', () => {
    expect(() => classifyMovement(-1, 0, false)).toThrow(DomainError);
    expect(() => classifyMovement(0, 1.5, false)).toThrow(DomainError);
  });
});

describe('nextLedgerStep: the ledger chains', () => {
  test('any history of MRR values gives movements that chain, add up, and start with new', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 0, 500, 1000, 1900, 2900), { maxLength: 30 }), (history) => {
        const steps: LedgerStep[] = [];
        let tip: LedgerStep | null = null;
        for (const after of history) {
          const step = nextLedgerStep(tip, after);
          if (step) {
            steps.push(step);
            tip = step;
          }
        }
        steps.forEach((step, index) => {
          expect(step.sequence).toBe(index + 1);
          expect(step.mrrBefore).toBe(index === 0 ? 0 : steps[index - 1]!.mrrAfter);
          expect(step.delta).toBe(step.mrrAfter - step.mrrBefore);
        });
        const last = [...history].reverse().find(() => true) ?? 0;
        expect(steps.reduce((sum, step) => sum + step.delta, 0)).toBe(steps.length ? last : 0);
        expect(steps.filter((step) => step.kind === 'new').length).toBe(steps.length ? 1 : 0);
        if (steps.length) expect(steps[0]!.kind).toBe('new');
        // A reactivation always follows a churn, and as many times as the subscription came back.
        const churns = steps.filter((step) => step.kind === 'churn').length;
        const returns = steps.filter((step) => step.kind === 'reactivation').length;
        expect(returns === churns || returns === churns - 1).toBe(true);
      }),
    );
  });
});

describe('trialTransition', () => {
  test.each([
    [null, 'trialing', true, false],
    [null, 'active', false, false],
    ['trialing', 'trialing', false, false],
    ['trialing', 'active', false, true],
    ['trialing', 'past_due', false, true],
    ['trialing', 'paused', false, false],
    ['trialing', 'canceled', false, false],
    ['active', 'past_due', false, false],
  ] as const)('%s → %s: started %s, converted %s', (previous, status, started, converted) => {
    expect(trialTransition(previous, status)).toEqual({ trialStarted: started, trialConverted: converted });
  });
});
