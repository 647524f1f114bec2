import {
  aggregateUsage,
  DomainError,
  money,
  priceAmount,
  priceLines,
  setupFeeLine,
  type Price,
  type UsageRecord,
} from '../../../src/domain';

// Tiers for the worked examples in docs/billing-rules.md: units 1–10 at 1.00, 11–50 at 0.80, 51+ at 0.50.
const TIERS = [
  { upTo: 10, unitAmount: 100 },
  { upTo: 50, unitAmount: 80 },
  { upTo: null, unitAmount: 50 },
];

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'other';
  }
  return undefined;
}

describe('pricing models', () => {
  it('flat charges the amount regardless of quantity', () => {
    expect(priceAmount({ currency: 'EUR', scheme: { model: 'flat', amount: 1900 } }, 7)).toEqual(
      money(1900, 'EUR'),
    );
  });

  it('per unit multiplies: 7 seats × 8.00 = 56.00', () => {
    const price: Price = { currency: 'EUR', scheme: { model: 'per_unit', unitAmount: 800 } };
    expect(priceLines(price, 7, 'Seats')).toEqual([
      { description: 'Seats', quantity: 7, unitAmount: 800, amount: money(5600, 'EUR') },
    ]);
  });

  it('package rounds up: 1001 units in packages of 1000 at 5.00 = 2 packages = 10.00; 0 units = 0', () => {
    const price: Price = {
      currency: 'EUR',
      scheme: { model: 'package', packageAmount: 500, unitsPerPackage: 1000 },
    };
    expect(priceAmount(price, 1001)).toEqual(money(1000, 'EUR'));
    expect(priceAmount(price, 1000)).toEqual(money(500, 'EUR'));
    expect(priceAmount(price, 0)).toEqual(money(0, 'EUR'));
  });

  it('graduated prices each unit in its own tier: 60 units = 10×1.00 + 40×0.80 + 10×0.50 = 47.00', () => {
    const price: Price = { currency: 'EUR', scheme: { model: 'graduated', tiers: TIERS } };
    const lines = priceLines(price, 60, 'API calls');
    expect(lines.map((line) => [line.quantity, line.unitAmount, line.amount.amount])).toEqual([
      [10, 100, 1000],
      [40, 80, 3200],
      [10, 50, 500],
    ]);
    expect(priceAmount(price, 60)).toEqual(money(4700, 'EUR'));
  });

  it('volume prices all units at the tier the total reaches: 60 units × 0.50 = 30.00', () => {
    const price: Price = { currency: 'EUR', scheme: { model: 'volume', tiers: TIERS } };
    expect(priceAmount(price, 60)).toEqual(money(3000, 'EUR'));
    expect(priceAmount(price, 10)).toEqual(money(1000, 'EUR'));
    expect(priceAmount(price, 11)).toEqual(money(880, 'EUR'));
  });

  it('tier flat amounts are added once per tier reached', () => {
    const tiers = [
      { upTo: 5, unitAmount: 0, flatAmount: 1000 },
      { upTo: null, unitAmount: 200, flatAmount: 500 },
    ];
    expect(priceAmount({ currency: 'EUR', scheme: { model: 'graduated', tiers } }, 7)).toEqual(
      money(1000 + 500 + 400, 'EUR'),
    );
    expect(priceAmount({ currency: 'EUR', scheme: { model: 'volume', tiers } }, 7)).toEqual(
      money(500 + 1400, 'EUR'),
    );
  });

  it('prices JPY and KWD in their own minor units', () => {
    expect(priceAmount({ currency: 'JPY', scheme: { model: 'per_unit', unitAmount: 980 } }, 3)).toEqual(
      money(2940, 'JPY'),
    );
    expect(priceAmount({ currency: 'KWD', scheme: { model: 'per_unit', unitAmount: 1250 } }, 3)).toEqual(
      money(3750, 'KWD'),
    );
  });

  it('rejects malformed tiers, fractional quantities and fractional prices', () => {
    const open = {
      currency: 'EUR',
      scheme: { model: 'graduated', tiers: [{ upTo: 10, unitAmount: 1 }] },
    } as const;
    expect(
      code(() => priceAmount({ ...open, scheme: { ...open.scheme, tiers: [...open.scheme.tiers] } }, 1)),
    ).toBe('invalid_price');
    const unordered = [
      { upTo: 10, unitAmount: 1 },
      { upTo: 5, unitAmount: 1 },
      { upTo: null, unitAmount: 1 },
    ];
    expect(
      code(() => priceAmount({ currency: 'EUR', scheme: { model: 'volume', tiers: unordered } }, 1)),
    ).toBe('invalid_price');
    expect(
      code(() => priceAmount({ currency: 'EUR', scheme: { model: 'per_unit', unitAmount: 100 } }, 1.5)),
    ).toBe('invalid_quantity');
    expect(
      code(() => priceAmount({ currency: 'EUR', scheme: { model: 'per_unit', unitAmount: 0.5 } }, 1)),
    ).toBe('invalid_price');
  });

  it('setup fee is a separate line, absent when not configured', () => {
    expect(
      setupFeeLine({ currency: 'EUR', scheme: { model: 'flat', amount: 1000 }, setupFee: 4900 }),
    ).toEqual({
      description: 'Setup fee',
      quantity: 1,
      unitAmount: 4900,
      amount: money(4900, 'EUR'),
    });
    expect(setupFeeLine({ currency: 'EUR', scheme: { model: 'flat', amount: 1000 } })).toBeNull();
  });
});

describe('usage aggregation', () => {
  const START = '2024-04-01T00:00:00Z';
  const END = '2024-05-01T00:00:00Z';
  const records: UsageRecord[] = [
    { id: 'a', timestamp: '2024-03-31T23:59:59Z', quantity: 100, value: 'u1' }, // before the period
    { id: 'b', timestamp: '2024-04-01T00:00:00Z', quantity: 5, value: 'u1' },
    { id: 'c', timestamp: '2024-04-10T12:00:00Z', quantity: 7, value: 'u2' },
    { id: 'c', timestamp: '2024-04-10T12:00:00Z', quantity: 7, value: 'u2' }, // duplicate id
    { id: 'd', timestamp: '2024-04-30T23:59:59Z', quantity: 3, value: 'u1' },
    { id: 'e', timestamp: '2024-05-01T00:00:00Z', quantity: 50, value: 'u3' }, // next period
  ];

  it('sum counts each id once within [start, end): 5 + 7 + 3 = 15', () => {
    expect(aggregateUsage(records, 'sum', START, END)).toBe(15);
  });

  it('max takes the largest in-period quantity: 7', () => {
    expect(aggregateUsage(records, 'max', START, END)).toBe(7);
  });

  it('unique_count counts distinct values in the period: u1, u2 = 2', () => {
    expect(aggregateUsage(records, 'unique_count', START, END)).toBe(2);
  });

  it('an empty period aggregates to 0 for every aggregation', () => {
    for (const aggregation of ['sum', 'max', 'unique_count'] as const) {
      expect(aggregateUsage([], aggregation, START, END)).toBe(0);
    }
  });
});
