import fc from 'fast-check';
import { money } from '../../../src/domain/money';
import { priceAmount, type Price } from '../../../src/domain/pricing';
import { itemProrationLines, type ProratedItem } from '../../../src/domain/proration';

const START = '2027-04-01T00:00:00.000Z';
const END = '2027-05-01T00:00:00.000Z'; // 30 days
const HALF = '2027-04-16T00:00:00.000Z';

const seats: Price = {
  currency: 'EUR',
  scheme: {
    model: 'graduated',
    tiers: [
      { upTo: 5, unitAmount: 1000 },
      { upTo: null, unitAmount: 800 },
    ],
  },
};
const priced = (id: string, amount: number, description = id): ProratedItem => ({
  id,
  description,
  amount: money(amount, 'EUR'),
});

describe('proration of items by their period amounts', () => {
  test('graduated seats 5 → 8 at half period: −25.00 + 37.00 = 12.00 (the new amount 74.00, not 8 × unit price)', () => {
    const before = priceAmount(seats, 5).amount;
    const after = priceAmount(seats, 8).amount;
    expect([before, after]).toEqual([5000, 7400]);
    const lines = itemProrationLines({
      before: [priced('si_seats', before, 'Seats × 5')],
      after: [priced('si_seats', after, 'Seats × 8')],
      periodStart: START,
      periodEnd: END,
      changeAt: HALF,
    });
    expect(lines.map((line) => [line.kind, line.amount.amount])).toEqual([
      ['proration_credit', -2500],
      ['proration_charge', 3700],
    ]);
  });

  test('an item whose amount stays the same gives no lines; an added item only a charge, a removed one only a credit', () => {
    const lines = itemProrationLines({
      before: [priced('si_base', 1900), priced('si_old_addon', 500)],
      after: [priced('si_base', 1900, 'Base on another plan'), priced('si_new_addon', 300)],
      periodStart: START,
      periodEnd: END,
      changeAt: HALF,
    });
    expect(lines.map((line) => [line.itemId, line.kind, line.amount.amount])).toEqual([
      ['si_old_addon', 'proration_credit', -250],
      ['si_new_addon', 'proration_charge', 150],
    ]);
  });

  test('property: credit + charge of each item equal (new − old) × remaining ÷ length within one minor unit per line', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 30 * 86_400 }),
        (old, next, secondsIn) => {
          const changeAt = new Date(Date.parse(START) + secondsIn * 1000).toISOString();
          const lines = itemProrationLines({
            before: [priced('si', old)],
            after: [priced('si', next)],
            periodStart: START,
            periodEnd: END,
            changeAt,
          });
          const remaining = 30 * 86_400 - secondsIn;
          const exact = ((next - old) * remaining) / (30 * 86_400);
          const sum = lines.reduce((total, line) => total + line.amount.amount, 0);
          if (old === next) return lines.length === 0;
          return Math.abs(sum - exact) <= lines.length * 0.5 + 1e-9;
        },
      ),
    );
  });
});
