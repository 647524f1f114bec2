import { axisOf, axisStep, monthLabel, monthName } from '../../../src/admin/pages/charts';
import { chartRange, mrrOf, revenueSeriesOf } from '../../../src/admin/figures';

describe("the dashboard's charts", () => {
  test('the axis steps are round amounts in minor units (1, 2 or 5 × a power of ten), from integers only', () => {
    expect([0, 1, 4, 5, 9, 40, 41, 399, 1900, 5700, 123_456].map((span) => axisStep(span))).toEqual([
      1, 1, 1, 2, 5, 10, 20, 100, 500, 2000, 50_000,
    ]);
    // Gains up to 57.00 and losses down to 19.00 (minor units): one step for both sides, whole steps each way.
    expect(axisOf(5700, 1900)).toEqual({ top: 6000, bottom: 2000, step: 2000 });
    // Nothing at all still draws one step above the zero line.
    expect(axisOf(0, 0)).toEqual({ top: 1, bottom: 0, step: 1 });
  });

  test('twelve months end with the current one: from the first of the month eleven months before, to today', () => {
    expect(chartRange({ year: 2027, month: 12, day: 3 })).toEqual({ from: '2027-01-01', to: '2027-12-03' });
    expect(chartRange({ year: 2027, month: 3, day: 31 })).toEqual({ from: '2026-04-01', to: '2027-03-31' });
    expect(chartRange({ year: 2027, month: 1, day: 1 })).toEqual({ from: '2026-02-01', to: '2027-01-01' });
  });

  test('months are named in the user’s language', () => {
    expect(monthLabel('2026-12', 'en')).toBe('Dec 2026');
    expect(monthLabel('2026-12', 'de')).toBe('Dez. 2026');
    expect([monthName('2027-03', 'en'), monthName('2027-03', 'de'), monthName('2026-12', 'de')]).toEqual([
      'Mar',
      'Mär',
      'Dez',
    ]);
  });

  test('report rows become one series per currency, months in order; a currency with nothing in them is left out', () => {
    const row = (
      currency: string,
      period: string,
      mrr: number,
      moves: Partial<Record<string, number>> = {},
    ) => ({
      currency,
      period,
      mrr,
      new_mrr: moves.new ?? 0,
      expansion_mrr: moves.expansion ?? 0,
      reactivation_mrr: 0,
      contraction_mrr: moves.contraction ?? 0,
      churn_mrr: moves.churn ?? 0,
    });
    const series = revenueSeriesOf({
      data: [
        row('USD', '2027-02', 0),
        row('USD', '2027-01', 0),
        row('EUR', '2027-02', 3800, { expansion: 2000, churn: -1900 }),
        row('EUR', '2027-01', 3700, { new: 3700 }),
      ],
    } as unknown as Parameters<typeof revenueSeriesOf>[0]);
    expect(series).toEqual([
      {
        currency: 'EUR',
        months: [
          {
            period: '2027-01',
            mrr: 3700,
            new: 3700,
            expansion: 0,
            reactivation: 0,
            contraction: 0,
            churn: 0,
          },
          {
            period: '2027-02',
            mrr: 3800,
            new: 0,
            expansion: 2000,
            reactivation: 0,
            contraction: 0,
            churn: -1900,
          },
        ],
      },
    ]);
    expect(mrrOf(series)).toEqual([{ currency: 'EUR', amount: 3800 }]);
  });
});
