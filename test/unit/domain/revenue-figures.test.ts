import fc from 'fast-check';
import { nextLedgerStep, type LedgerStep } from '../../../src/domain/mrr';
import { reportBuckets } from '../../../src/domain/report-periods';
import {
  computeCohorts,
  computeRevenueFigures,
  inReportingCurrency,
  type FigureInputs,
  type LedgerMovement,
} from '../../../src/domain/revenue-figures';

const ms = (iso: string) => Date.parse(iso);

/** Ledger rows of one subscription from its MRR after each change, through the recorder's own step function. */
function history(
  subscriptionId: string,
  customerId: string,
  changes: [string, number][],
  currency = 'EUR',
): LedgerMovement[] {
  const rows: LedgerMovement[] = [];
  let tip: LedgerStep | null = null;
  for (const [at, after] of changes) {
    const step = nextLedgerStep(tip, after);
    if (!step) continue;
    tip = step;
    rows.push({ subscriptionId, customerId, currency, ...step, counts: after > 0, atMs: ms(at) });
  }
  return rows;
}

const months = reportBuckets('2027-01-01', '2027-03-31', 'month', 'UTC');
const none: FigureInputs = { movements: [], trials: [], dunning: [] };

describe('revenue figures: zero denominators', () => {
  test('an empty ledger has no rows at all', () => {
    expect(
      computeRevenueFigures(none, { buckets: months, interval: 'month', grossMarginBasisPoints: 10_000 }),
    ).toEqual([]);
  });

  test('a first month without customers at its start: rates, retention and LTV are null, not 0', () => {
    const inputs = { ...none, movements: history('sub_a', 'cus_a', [['2027-01-10T00:00:00Z', 1000]]) };
    const [eur] = computeRevenueFigures(inputs, {
      buckets: months,
      interval: 'month',
      grossMarginBasisPoints: 10_000,
    });
    expect(eur!.buckets[0]).toMatchObject({
      mrrStart: 0,
      mrr: 1000,
      customersAtStart: 0,
      logoChurnRate: null,
      revenueChurnRate: null,
      grossRevenueRetention: null,
      netRevenueRetention: null,
      arpu: 1000,
      ltv: null,
      trialConversionRate: null,
      dunningRecoveryRate: null,
    });
    // February: one customer at the start, nobody lost: churn 0, so LTV is unbounded and reported as null.
    expect(eur!.buckets[1]).toMatchObject({
      customersAtStart: 1,
      logoChurnRate: '0.0000',
      revenueChurnRate: '0.0000',
      grossRevenueRetention: '1.0000',
      netRevenueRetention: '1.0000',
      ltv: null,
    });
  });

  test('a month whose every customer left has no ARPU (no customers at its end)', () => {
    const inputs = {
      ...none,
      movements: history('sub_a', 'cus_a', [
        ['2027-01-10T00:00:00Z', 1000],
        ['2027-02-10T00:00:00Z', 0],
      ]),
    };
    const [eur] = computeRevenueFigures(inputs, {
      buckets: months,
      interval: 'month',
      grossMarginBasisPoints: 10_000,
    });
    expect(eur!.buckets[1]).toMatchObject({
      mrr: 0,
      activeCustomers: 0,
      arpu: null,
      ltv: null,
      logoChurnRate: '1.0000',
      revenueChurnRate: '1.0000',
      netRevenueRetention: '0.0000',
    });
  });

  test('LTV of a week bucket turns the weekly churn into months: 1000 × 1 ÷ (1/2) × 84/365 = 460.27 → 460', () => {
    const weeks = reportBuckets('2027-01-11', '2027-01-11', 'week', 'UTC');
    const inputs = {
      ...none,
      movements: [
        ...history('sub_a', 'cus_a', [['2027-01-01T00:00:00Z', 1000]]),
        ...history('sub_b', 'cus_b', [
          ['2027-01-01T00:00:00Z', 1000],
          ['2027-01-12T00:00:00Z', 0],
        ]),
      ],
    };
    const [eur] = computeRevenueFigures(inputs, {
      buckets: weeks,
      interval: 'week',
      grossMarginBasisPoints: 10_000,
    });
    // ARPU 1000 (one customer left); revenue churn 1000 / 2000; lifetime 2 weeks = 2 × 84/365 months.
    expect(eur!.buckets[0]).toMatchObject({ arpu: 1000, revenueChurnRate: '0.5000', ltv: 460 });
  });
});

describe('revenue figures: reporting currency', () => {
  test('converts each MRR value at its rate, leaves a currency without a rate out and names it', () => {
    const inputs: FigureInputs = {
      movements: [
        ...history('sub_eur', 'cus_a', [['2027-01-05T00:00:00Z', 1000]], 'EUR'),
        ...history('sub_usd', 'cus_a', [['2027-01-06T00:00:00Z', 1001]], 'USD'),
        ...history('sub_jpy', 'cus_b', [['2027-01-07T00:00:00Z', 5000]], 'JPY'),
      ],
      trials: [],
      dunning: [
        {
          currency: 'USD',
          outcome: 'recovered',
          resolvedAtMs: ms('2027-01-20T00:00:00Z'),
          recoveredAmount: 2000,
        },
      ],
    };
    const { inputs: converted, unconverted } = inReportingCurrency(inputs, {
      currency: 'EUR',
      rates: { USD: '0.5' },
    });
    expect(unconverted).toEqual(['JPY']);
    const [eur] = computeRevenueFigures(converted, {
      buckets: months.slice(0, 1),
      interval: 'month',
      grossMarginBasisPoints: 10_000,
    });
    // 1000 EUR + 1001 USD × 0.5 = 500.5 → 501; one customer holds both subscriptions.
    expect(eur).toMatchObject({ currency: 'EUR' });
    expect(eur!.buckets[0]).toMatchObject({ mrr: 1501, activeCustomers: 1, dunningRecoveredAmount: 1000 });
  });
});

describe('revenue figures: invariants over random ledgers', () => {
  const changeArb = fc.tuple(
    fc.integer({ min: ms('2026-12-01T00:00:00Z'), max: ms('2027-03-31T23:59:59Z') }),
    fc.constantFrom(0, 0, 700, 1000, 1900, 2500),
  );
  const ledgerArb = fc.array(
    fc.record({
      customer: fc.constantFrom('cus_a', 'cus_b', 'cus_c', 'cus_d'),
      changes: fc.array(changeArb, { minLength: 1, maxLength: 8 }),
    }),
    { minLength: 1, maxLength: 8 },
  );

  test('MRR at the end = MRR at the start + Σ movements; retention and churn rates stay in their bounds', () => {
    fc.assert(
      fc.property(ledgerArb, (subscriptions) => {
        const movements = subscriptions.flatMap(({ customer, changes }, index) =>
          history(
            `sub_${index}`,
            customer,
            [...changes]
              .sort((a, b) => a[0] - b[0])
              .map(([atMs, after]) => [new Date(atMs).toISOString(), after] as [string, number]),
          ),
        );
        const figures = computeRevenueFigures(
          { movements, trials: [], dunning: [] },
          { buckets: months, interval: 'month', grossMarginBasisPoints: 10_000 },
        );
        for (const { buckets } of figures) {
          buckets.forEach((bucket, index) => {
            expect(bucket.mrr).toBe(bucket.mrrStart + bucket.netNewMrr);
            if (index > 0) expect(bucket.mrrStart).toBe(buckets[index - 1]!.mrr);
            expect(bucket.arr).toBe(12 * bucket.mrr);
            expect(bucket.churnedCustomers).toBeLessThanOrEqual(bucket.customersAtStart);
            if (bucket.grossRevenueRetention !== null) {
              const grr = Number(bucket.grossRevenueRetention);
              expect(grr).toBeGreaterThanOrEqual(0);
              expect(grr).toBeLessThanOrEqual(1);
              expect(Number(bucket.netRevenueRetention)).toBeGreaterThanOrEqual(grr);
              // 1 − GRR, each rounded to a basis point on its own.
              expect(Math.abs(grr + Number(bucket.revenueChurnRate) - 1)).toBeLessThanOrEqual(0.0001);
            }
            expect(bucket.movements.churn.amount).toBeLessThanOrEqual(0);
            expect(bucket.movements.contraction.amount).toBeLessThanOrEqual(0);
            expect(bucket.movements.new.amount).toBeGreaterThanOrEqual(0);
          });
        }
      }),
    );
  });

  test("a cohort's first cell never counts more customers than the cohort, and later cells only its members", () => {
    fc.assert(
      fc.property(ledgerArb, (subscriptions) => {
        const movements = subscriptions.flatMap(({ customer, changes }, index) =>
          history(
            `sub_${index}`,
            customer,
            [...changes]
              .sort((a, b) => a[0] - b[0])
              .map(([atMs, after]) => [new Date(atMs).toISOString(), after] as [string, number]),
          ),
        );
        const cohorts = computeCohorts(movements, {
          firstMonth: months[0]!,
          lastMonth: months[2]!,
          timeZone: 'UTC',
        });
        const customers = new Set(
          movements.filter((m) => m.atMs >= ms('2027-01-01T00:00:00Z')).map((m) => m.customerId),
        );
        expect(cohorts.reduce((sum, cohort) => sum + cohort.customers, 0)).toBeLessThanOrEqual(
          customers.size,
        );
        for (const cohort of cohorts) {
          for (const cell of cohort.cells) expect(cell.activeCustomers).toBeLessThanOrEqual(cohort.customers);
          expect(cohort.cells.map((cell) => cell.monthsSinceStart)).toEqual(
            cohort.cells.map((_cell, index) => index),
          );
        }
      }),
    );
  });
});
