import fc from 'fast-check';
import {
  add,
  allocate,
  currencyExponent,
  DomainError,
  formatMoney,
  money,
  multiplyByRatio,
  negate,
  subtract,
  sum,
  toDecimalString,
} from '../../../src/domain';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('money construction', () => {
  it('reads minor-unit exponents from ISO 4217 data: EUR 2, JPY 0, KWD 3', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it('rejects unknown, lower-case and non-billable codes (gold, testing) as unknown_currency', () => {
    expect(codeOf(() => money(1, 'ABC'))).toBe('unknown_currency');
    expect(codeOf(() => money(1, 'eur'))).toBe('unknown_currency');
    expect(codeOf(() => money(1, 'XAU'))).toBe('unknown_currency');
    expect(codeOf(() => money(1, 'XTS'))).toBe('unknown_currency');
  });

  it('rejects fractional and unsafe amounts as invalid_amount', () => {
    expect(codeOf(() => money(1.5, 'EUR'))).toBe('invalid_amount');
    expect(codeOf(() => money(Number.MAX_SAFE_INTEGER + 1, 'EUR'))).toBe('invalid_amount');
    expect(codeOf(() => money(Number.NaN, 'EUR'))).toBe('invalid_amount');
  });
});

describe('money arithmetic', () => {
  it('adds, subtracts, negates and sums within one currency', () => {
    expect(add(money(1050, 'EUR'), money(250, 'EUR'))).toEqual(money(1300, 'EUR'));
    expect(subtract(money(1050, 'EUR'), money(2050, 'EUR'))).toEqual(money(-1000, 'EUR'));
    expect(negate(money(5, 'JPY'))).toEqual(money(-5, 'JPY'));
    expect(sum('KWD', [money(1, 'KWD'), money(2, 'KWD'), money(3, 'KWD')])).toEqual(money(6, 'KWD'));
    expect(sum('EUR', [])).toEqual(money(0, 'EUR'));
  });

  it('throws currency_mismatch when currencies mix', () => {
    expect(codeOf(() => add(money(1, 'EUR'), money(1, 'USD')))).toBe('currency_mismatch');
    expect(codeOf(() => subtract(money(1, 'EUR'), money(1, 'JPY')))).toBe('currency_mismatch');
    expect(codeOf(() => sum('EUR', [money(1, 'EUR'), money(1, 'KWD')]))).toBe('currency_mismatch');
  });

  it('throws invalid_amount when a sum leaves the safe integer range', () => {
    expect(codeOf(() => add(money(Number.MAX_SAFE_INTEGER, 'EUR'), money(1, 'EUR')))).toBe('invalid_amount');
  });
});

describe('multiplyByRatio', () => {
  it('rounds half away from zero: 5 × 1/2 = 3, −5 × 1/2 = −3, 5 × 1/3 = 2, 1 × 1/3 = 0', () => {
    expect(multiplyByRatio(money(5, 'EUR'), 1, 2).amount).toBe(3);
    expect(multiplyByRatio(money(-5, 'EUR'), 1, 2).amount).toBe(-3);
    expect(multiplyByRatio(money(5, 'EUR'), 1, 3).amount).toBe(2);
    expect(multiplyByRatio(money(1, 'EUR'), 1, 3).amount).toBe(0);
  });

  it('keeps precision when amount × seconds exceeds 2^53', () => {
    // 9_000_000_000_000 × 31_622_400 is far beyond 2^53; the exact quotient is 9_000_000_000_000 × 0.5.
    expect(multiplyByRatio(money(9_000_000_000_000, 'EUR'), 15_811_200, 31_622_400).amount).toBe(
      4_500_000_000_000,
    );
  });

  it('is within half a minor unit of the exact value, ties away from zero, for ratios 0..1 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc
          .integer({ min: 1, max: 1e9 })
          .chain((denominator) =>
            fc.tuple(fc.integer({ min: 0, max: denominator }), fc.constant(denominator)),
          ),
        (amount, [numerator, denominator]) => {
          const result = multiplyByRatio(money(amount, 'EUR'), numerator, denominator).amount;
          const exact2 = 2n * BigInt(amount) * BigInt(numerator);
          // |result − exact| ≤ 1/2, and exactly 1/2 only when rounding away from zero.
          const diff2 = 2n * BigInt(result) * BigInt(denominator) - exact2;
          const bound = BigInt(denominator);
          expect(diff2 <= bound && diff2 >= -bound).toBe(true);
          if (diff2 === bound) expect(result > 0).toBe(true);
          if (diff2 === -bound) expect(result < 0).toBe(true);
        },
      ),
    );
  });

  it('rejects a zero denominator and fractional ratios as invalid_ratio', () => {
    expect(codeOf(() => multiplyByRatio(money(1, 'EUR'), 1, 0))).toBe('invalid_ratio');
    expect(codeOf(() => multiplyByRatio(money(1, 'EUR'), 0.5, 1))).toBe('invalid_ratio');
  });
});

describe('allocate', () => {
  it('splits 100 cents three ways as 34/33/33, the extra unit to the earliest tie', () => {
    expect(allocate(money(100, 'EUR'), [1, 1, 1]).map((m) => m.amount)).toEqual([34, 33, 33]);
  });

  it('gives leftover units to the largest remainders: 10 by 1:2:3 → 2/3/5', () => {
    // exact shares 1.667, 3.333, 5.0 → floors 1, 3, 5 leave 1 unit for the largest remainder (0.667).
    expect(allocate(money(10, 'JPY'), [1, 2, 3]).map((m) => m.amount)).toEqual([2, 3, 5]);
  });

  it('splits negative amounts symmetrically: −100 by 1:1:1 → −34/−33/−33', () => {
    expect(allocate(money(-100, 'EUR'), [1, 1, 1]).map((m) => m.amount)).toEqual([-34, -33, -33]);
  });

  it('rejects empty, negative and all-zero weights as invalid_weights', () => {
    expect(codeOf(() => allocate(money(1, 'EUR'), []))).toBe('invalid_weights');
    expect(codeOf(() => allocate(money(1, 'EUR'), [1, -1]))).toBe('invalid_weights');
    expect(codeOf(() => allocate(money(1, 'EUR'), [0, 0]))).toBe('invalid_weights');
  });

  it('parts always sum to the total (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e13, max: 1e13 }),
        fc
          .array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 20 })
          .filter((w) => w.some((x) => x > 0)),
        (amount, weights) => {
          const parts = allocate(money(amount, 'EUR'), weights);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((acc, part) => acc + part.amount, 0)).toBe(amount);
        },
      ),
    );
  });

  it('parts differ by at most one minor unit for equal weights (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), fc.integer({ min: 1, max: 50 }), (amount, n) => {
        const parts = allocate(
          money(amount, 'KWD'),
          Array.from({ length: n }, () => 1),
        ).map((m) => m.amount);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('each part is within one minor unit of its exact proportional share (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 10 }),
        (amount, weights) => {
          const total = BigInt(weights.reduce((a, b) => a + b, 0));
          allocate(money(amount, 'EUR'), weights).forEach((part, i) => {
            const exactTimesTotal = BigInt(amount) * BigInt(weights[i] ?? 0);
            const diff = BigInt(part.amount) * total - exactTimesTotal;
            expect(diff < total && diff > -total).toBe(true);
          });
        },
      ),
    );
  });
});

describe('formatting', () => {
  it('writes exact decimal strings by exponent: EUR 2, JPY 0, KWD 3', () => {
    expect(toDecimalString(money(1234, 'EUR'))).toBe('12.34');
    expect(toDecimalString(money(-5, 'EUR'))).toBe('-0.05');
    expect(toDecimalString(money(1234, 'JPY'))).toBe('1234');
    expect(toDecimalString(money(1, 'KWD'))).toBe('0.001');
  });

  it('formats through Intl for de-DE and en-US honouring the exponent', () => {
    const normalize = (s: string) => s.replace(/\u00a0/g, ' ');
    expect(normalize(formatMoney(money(123456, 'EUR'), 'de-DE'))).toBe('1.234,56 €');
    expect(formatMoney(money(123456, 'EUR'), 'en-US')).toBe('€1,234.56');
    expect(formatMoney(money(123456, 'JPY'), 'en-US')).toBe('¥123,456');
    expect(normalize(formatMoney(money(1234567, 'KWD'), 'de-DE'))).toBe('1.234,567 KWD');
    expect(normalize(formatMoney(money(-1, 'KWD'), 'en-US'))).toBe('-KWD 0.001');
  });

  it('formats the largest safe amount without float rounding', () => {
    expect(formatMoney(money(Number.MAX_SAFE_INTEGER, 'EUR'), 'en-US')).toBe('€90,071,992,547,409.91');
  });
});
