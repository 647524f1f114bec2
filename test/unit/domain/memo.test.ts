import { formatMoney } from '../../../src/domain';
import { memoizedByKey } from '../../../src/domain/memo';

describe('memoizedByKey', () => {
  test('makes each key once and answers the same value after that; a make that throws keeps nothing', () => {
    const made: string[] = [];
    const lengthOf = memoizedByKey((key) => {
      if (key === 'bad') throw new RangeError('bad key');
      made.push(key);
      return { length: key.length };
    });
    const first = lengthOf('abc');
    expect(lengthOf('abc')).toBe(first);
    expect(lengthOf('de')).toEqual({ length: 2 });
    expect(() => lengthOf('bad')).toThrow(RangeError);
    expect(() => lengthOf('bad')).toThrow(RangeError);
    expect(made).toEqual(['abc', 'de']);
  });

  test('cached money formatters keep each currency and language apart', () => {
    // Intl separates amount and symbol with a no-break space.
    const format = (amount: number, currency: string, locale: string) =>
      formatMoney({ amount, currency }, locale).replace(/\s/gu, ' ');
    expect(format(1900, 'EUR', 'de-DE')).toBe('19,00 €');
    expect(format(1900, 'JPY', 'de-DE')).toBe('1.900 ¥');
    expect(format(1900, 'EUR', 'en-US')).toBe('€19.00');
    expect(format(1900, 'EUR', 'de-DE')).toBe('19,00 €');
    // A locale that carries a separator cannot reach another currency's formatter.
    expect(() => formatMoney({ amount: 1900, currency: 'USD' }, 'en-US|EUR')).toThrow(RangeError);
  });
});
