import fc from 'fast-check';
import { DomainError } from '../../../src/domain/errors';
import {
  convertMinorUnits,
  decimalRatio,
  parsePositiveDecimal,
  roundedQuotient,
} from '../../../src/domain/ratios';
import { MAX_REPORT_BUCKETS, reportBuckets } from '../../../src/domain/report-periods';

describe('decimalRatio: rates as exact decimal strings', () => {
  test.each([
    [1, 3, '0.3333'],
    [2, 3, '0.6667'],
    [0, 5, '0.0000'],
    [5, 4, '1.2500'],
    [1, 20_000, '0.0001'], // 0.00005 exactly: half away from zero
    [-1, 20_000, '-0.0001'],
    [1, 30_000, '0.0000'],
    [123_456_789, 1, '123456789.0000'],
  ])('%i ÷ %i = %s', (numerator, denominator, expected) => {
    expect(decimalRatio(numerator, denominator)).toBe(expected);
  });

  test('a zero denominator is undefined (null), not 0 % and not 100 %', () => {
    expect(decimalRatio(0, 0)).toBeNull();
    expect(decimalRatio(7, 0)).toBeNull();
    expect(roundedQuotient(7, 0)).toBeNull();
  });

  test('is the exact quotient to within half a basis point', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 1, max: 1e9 }), (n, d) => {
        const text = decimalRatio(n, d)!;
        expect(text).toMatch(/^-?\d+\.\d{4}$/);
        const scaled = BigInt(text.replace('.', ''));
        const error = 2n * scaled * BigInt(d) - 2n * BigInt(n) * 10_000n;
        expect(error <= BigInt(d) && -error <= BigInt(d)).toBe(true);
      }),
    );
  });

  test('roundedQuotient rounds half away from zero', () => {
    expect(roundedQuotient(5, 2)).toBe(3);
    expect(roundedQuotient(-5, 2)).toBe(-3);
    expect(roundedQuotient(7, 3)).toBe(2);
  });
});

describe('convertMinorUnits: exchange at a fixed decimal rate', () => {
  test.each([
    ['100.00 USD at 0.92 is 92.00 EUR', 10_000, 'USD', 'EUR', '0.92', 9200],
    ['1000 JPY at 0.0061 is 6.10 EUR (exponent 0 → 2)', 1000, 'JPY', 'EUR', '0.0061', 610],
    ['1.00 EUR at 161.5 is 162 JPY (161.5 rounds away from zero)', 100, 'EUR', 'JPY', '161.5', 162],
    ['1.000 KWD at 3 is 3.00 EUR (exponent 3 → 2)', 1000, 'KWD', 'EUR', '3', 300],
    ['a negative delta converts symmetrically', -10_050, 'USD', 'EUR', '0.5', -5025],
  ])('%s', (_name, amount, from, to, rate, expected) => {
    expect(convertMinorUnits(amount, from, to, rate)).toBe(expected);
  });

  test('refuses rates that are not positive decimal strings', () => {
    for (const rate of ['0', '0.000', '-1', '1e3', '1,5', '', '.5']) {
      expect(() => parsePositiveDecimal(rate)).toThrow(DomainError);
    }
    expect(parsePositiveDecimal('1.0850')).toEqual({ numerator: 10_850n, scale: 4 });
  });
});

describe('reportBuckets', () => {
  test('months hold the whole range, never cut: 15 Jan to 2 Mar is January, February and March', () => {
    expect(reportBuckets('2027-01-15', '2027-03-02', 'month', 'UTC')).toEqual([
      expect.objectContaining({
        label: '2027-01',
        start: '2027-01-01T00:00:00.000Z',
        end: '2027-02-01T00:00:00.000Z',
      }),
      expect.objectContaining({
        label: '2027-02',
        start: '2027-02-01T00:00:00.000Z',
        end: '2027-03-01T00:00:00.000Z',
      }),
      expect.objectContaining({
        label: '2027-03',
        start: '2027-03-01T00:00:00.000Z',
        end: '2027-04-01T00:00:00.000Z',
      }),
    ]);
  });

  test("buckets are calendar days of the seller's time zone, across a daylight-saving change", () => {
    const [january] = reportBuckets('2027-01-01', '2027-01-01', 'month', 'Europe/Berlin');
    expect(january).toMatchObject({ start: '2026-12-31T23:00:00.000Z', end: '2027-01-31T23:00:00.000Z' });
    const days = reportBuckets('2027-03-28', '2027-03-28', 'day', 'Europe/Berlin');
    // The spring-forward day has 23 hours.
    expect(days.map((day) => (day.endMs - day.startMs) / 3_600_000)).toEqual([23]);
  });

  test('weeks are ISO weeks, Monday first, labelled by their Monday', () => {
    const weeks = reportBuckets('2027-01-06', '2027-01-18', 'week', 'UTC');
    expect(weeks.map((week) => week.label)).toEqual(['2027-01-04', '2027-01-11', '2027-01-18']);
  });

  test('refuses a reversed range, a non-date and too many buckets, naming the parameter', () => {
    expect(() => reportBuckets('2027-02-01', '2027-01-01', 'day', 'UTC')).toThrow(/^to:/);
    expect(() => reportBuckets('2027-02-30', '2027-03-01', 'day', 'UTC')).toThrow(/^from:/);
    expect(() => reportBuckets('2027-01-01', '2028-12-31', 'day', 'UTC')).toThrow(
      new RegExp(`at most ${MAX_REPORT_BUCKETS} buckets`),
    );
    expect(reportBuckets('2027-01-01', '2028-02-04', 'day', 'UTC')).toHaveLength(400);
  });
});
