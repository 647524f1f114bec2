import fc from 'fast-check';
import { allocateSigned, splitGrossByTaxes } from '../../../src/domain/allocation';
import {
  bucketStart,
  dailySplit,
  deferredAt,
  invoicedThrough,
  lineNetAmounts,
  recognizeInvoice,
  recognizedByBucket,
  recognizedThrough,
  type RevenueLine,
  type RevenueMovement,
} from '../../../src/domain/revenue-recognition';
import type { TaxLine } from '../../../src/domain/tax';

const sum = (values: readonly number[]) => values.reduce((acc, value) => acc + value, 0);

describe('allocateSigned', () => {
  it('splits 100 over 1:1:1 as 34 + 33 + 33 (the leftover cent to the earliest largest remainder)', () => {
    expect(allocateSigned(100, [1, 1, 1])).toEqual([34, 33, 33]);
  });

  it('spreads a net over a charge and a proration credit: 500 over +1000 and −500 is +1000 and −500', () => {
    expect(allocateSigned(500, [1000, -500])).toEqual([1000, -500]);
    // A 10 % discount on the same pair: 450 over +1000/−500 → 900 and −450.
    expect(allocateSigned(450, [1000, -500])).toEqual([900, -450]);
  });

  it('always adds up to the total, signed weights included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 8 }),
        (total, weights) => {
          fc.pre(sum(weights) !== 0);
          const parts = allocateSigned(total, weights);
          expect(sum(parts)).toBe(total);
          // Each part is within one minor unit of its exact share.
          parts.forEach((part, index) => {
            const exact = (total * (weights[index] ?? 0)) / sum(weights);
            expect(Math.abs(part - exact)).toBeLessThan(1 + 1e-9);
          });
        },
      ),
    );
  });
});

describe('splitGrossByTaxes', () => {
  const taxes: TaxLine[] = [
    { rateBp: 1900, taxable: 1900, amount: 361, reverseCharge: false, inclusive: false },
  ];

  it('credits 10.00 of a 22.61 invoice at 19 % as 8.40 net + 1.60 VAT', () => {
    // 1000 × 1900/2261 = 840.33… → 840; 1000 × 361/2261 = 159.66… → 159 + the leftover cent = 160.
    expect(splitGrossByTaxes(1000, taxes, 2261)).toEqual([
      { rateBp: 1900, reverseCharge: false, inclusive: false, taxable: 840, tax: 160 },
    ]);
  });

  it('gives back exactly the tax lines when the whole invoice is credited', () => {
    expect(splitGrossByTaxes(2261, taxes, 2261)).toEqual([
      { rateBp: 1900, reverseCharge: false, inclusive: false, taxable: 1900, tax: 361 },
    ]);
  });

  it('treats an invoice without tax lines as all net', () => {
    expect(splitGrossByTaxes(700, [], 1500)).toEqual([
      { rateBp: 0, reverseCharge: false, inclusive: false, taxable: 700, tax: 0 },
    ]);
  });
});

describe('lineNetAmounts', () => {
  it('spreads a discounted, taxed invoice over its lines: 19.00 + 5.00 with 10 % off is 17.10 + 4.50', () => {
    const lines: RevenueLine[] = [
      { id: 'a', amount: 1900, discount: false },
      { id: 'b', amount: 500, discount: false },
      { id: 'd', amount: -240, discount: true },
    ];
    // taxable 2160 over 1900:500 → 1710 and 450.
    const nets = lineNetAmounts({
      lines,
      parts: [{ rateBp: 1900, reverseCharge: false, inclusive: false, taxable: 2160, tax: 410 }],
    });
    expect(Object.fromEntries(nets)).toEqual({ a: 1710, b: 450 });
  });

  it('takes the included VAT out of tax-inclusive lines: 11.90 gross at 19 % is 10.00 net', () => {
    const nets = lineNetAmounts({
      lines: [{ id: 'a', amount: 1190, discount: false }],
      parts: [{ rateBp: 1900, reverseCharge: false, inclusive: true, taxable: 1000, tax: 190 }],
    });
    expect(nets.get('a')).toBe(1000);
  });
});

describe('dailySplit', () => {
  it('recognises 31.00 over the 31 days of January at 1.00 a day', () => {
    const days = dailySplit(3100, { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' }, 'UTC', 'x');
    expect(days).toHaveLength(31);
    expect(days.every((day) => day.amount === 100)).toBe(true);
  });

  it('cuts days in the seller’s zone: a UTC-midnight month in Berlin starts at 01:00 on the 1st and ends on the 1st', () => {
    const days = dailySplit(
      3100,
      { start: '2026-01-01T00:00:00Z', end: '2026-02-01T00:00:00Z' },
      'Europe/Berlin',
      'x',
    );
    expect(days[0]?.date).toBe('2026-01-01');
    expect(days.at(-1)?.date).toBe('2026-02-01');
    // 23 h on Jan 1, 24 h on Jan 2–31, 1 h on Feb 1: 744 h in all; 3100 × 23/744 = 95.8 → 96, 3100 × 1/744 → 4.
    expect(days[0]?.amount).toBe(96);
    expect(days.at(-1)?.amount).toBe(4);
    expect(sum(days.map((day) => day.amount))).toBe(3100);
  });
});

const zones = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland');
const instant = fc
  .integer({ min: Date.UTC(2025, 0, 1) / 1000, max: Date.UTC(2028, 0, 1) / 1000 })
  .map((seconds) => new Date(seconds * 1000).toISOString());

const invoiceArbitrary = fc
  .record({
    zone: zones,
    finalizedAt: instant,
    lines: fc.array(
      fc.record({
        amount: fc.integer({ min: -50_000, max: 500_000 }),
        start: instant,
        lengthDays: fc.integer({ min: 0, max: 400 }),
        lengthSeconds: fc.integer({ min: 0, max: 86_399 }),
        oneOff: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    discount: fc.integer({ min: 0, max: 50 }),
    rateBp: fc.constantFrom(0, 700, 1900, 2500),
    reversals: fc.array(fc.record({ fraction: fc.integer({ min: 1, max: 100 }), at: instant }), {
      maxLength: 3,
    }),
  })
  .filter((value) => value.lines.reduce((acc, line) => acc + line.amount, 0) > 0);

type GeneratedInvoice = typeof invoiceArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** Builds the invoice as the invoice builder would: discount on the subtotal, tax on what is left. */
function build(generated: GeneratedInvoice) {
  const lines: RevenueLine[] = generated.lines.map((line, index) => {
    const end = new Date(
      new Date(line.start).getTime() + (line.lengthDays * 86_400 + line.lengthSeconds) * 1000,
    ).toISOString();
    return {
      id: `line-${index}`,
      amount: line.amount,
      discount: false,
      ...(line.oneOff ? {} : { periodStart: line.start, periodEnd: end }),
    };
  });
  const subtotal = sum(lines.map((line) => line.amount));
  const discount = Math.floor((subtotal * generated.discount) / 100);
  lines.push({ id: 'discount', amount: -discount, discount: true });
  const taxable = subtotal - discount;
  const tax = Math.round((taxable * generated.rateBp) / 10_000);
  const taxes: TaxLine[] = [
    { rateBp: generated.rateBp, taxable, amount: tax, reverseCharge: false, inclusive: false },
  ];
  const total = taxable + tax;
  // Credit notes never credit more than the total: each takes a fraction of what is left.
  let left = total;
  const reversals = generated.reversals.flatMap((reversal, index) => {
    const gross = Math.floor((left * reversal.fraction) / 100);
    if (gross <= 0) return [];
    left -= gross;
    const at = reversal.at < generated.finalizedAt ? generated.finalizedAt : reversal.at;
    return [{ source: `cn-${index}`, at, parts: splitGrossByTaxes(gross, taxes, total) }];
  });
  return { lines, taxes, total, taxable, reversals };
}

function recognize(generated: GeneratedInvoice): {
  movements: RevenueMovement[];
  taxable: number;
  reversed: number;
} {
  const { lines, taxes, total, taxable, reversals } = build(generated);
  const movements = recognizeInvoice({
    invoiceId: 'in',
    finalizedAt: generated.finalizedAt,
    invoice: { lines, parts: splitGrossByTaxes(total, taxes, total) },
    reversals,
    timeZone: generated.zone,
  });
  const reversed = sum(reversals.flatMap((reversal) => reversal.parts.map((part) => part.taxable)));
  return { movements, taxable, reversed };
}

describe('revenue recognition properties', () => {
  it('recognises exactly each line’s net over its whole service period, no cent lost or made', () => {
    fc.assert(
      fc.property(invoiceArbitrary, (generated) => {
        const { lines, taxes, total } = build(generated);
        const movements = recognizeInvoice({
          invoiceId: 'in',
          finalizedAt: generated.finalizedAt,
          invoice: { lines, parts: splitGrossByTaxes(total, taxes, total) },
          reversals: [],
          timeZone: generated.zone,
        });
        const nets = lineNetAmounts({ lines, parts: splitGrossByTaxes(total, taxes, total) });
        expect(sum([...nets.values()])).toBe(total - sum(taxes.map((tax) => tax.amount)));
        for (const movement of movements) {
          expect(sum(movement.schedule.map((day) => day.amount))).toBe(nets.get(movement.lineId));
          // Nothing before the invoice exists.
          expect(movement.schedule.every((day) => day.date >= movement.bookedOn)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('over all time recognises the invoice’s net less what credit notes took back', () => {
    fc.assert(
      fc.property(invoiceArbitrary, (generated) => {
        const { movements, taxable, reversed } = recognize(generated);
        expect(recognizedThrough(movements, '9999-12-31')).toBe(taxable - reversed);
        expect(deferredAt(movements, '9999-12-31')).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('has deferred revenue at any date equal to invoiced minus recognised up to that date', () => {
    fc.assert(
      fc.property(invoiceArbitrary, instant, (generated, at) => {
        const { movements } = recognize(generated);
        const date = at.slice(0, 10);
        expect(deferredAt(movements, date)).toBe(
          invoicedThrough(movements, date) - recognizedThrough(movements, date),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('never recognises a reversal before the document that makes it', () => {
    fc.assert(
      fc.property(invoiceArbitrary, (generated) => {
        const { movements } = recognize(generated);
        for (const movement of movements.filter((m) => m.source.startsWith('cn-'))) {
          expect(movement.schedule.every((day) => day.date >= movement.bookedOn)).toBe(true);
        }
      }),
    );
  });
});

describe('a hand-computed year', () => {
  // 365.00 net for 2026 (a yearly plan, days in UTC so every day weighs the same), finalized Jan 1; a credit note of
  // half of it on July 1 (day 182).
  const movements = recognizeInvoice({
    invoiceId: 'in',
    finalizedAt: '2026-01-01T00:00:00Z',
    invoice: {
      lines: [
        {
          id: 'year',
          amount: 36_500,
          discount: false,
          periodStart: '2026-01-01T00:00:00Z',
          periodEnd: '2027-01-01T00:00:00Z',
        },
      ],
      parts: [{ rateBp: 1900, reverseCharge: false, inclusive: false, taxable: 36_500, tax: 6935 }],
    },
    reversals: [{ source: 'cn', at: '2026-07-01T08:00:00Z', parts: [{ rateBp: 1900, taxable: 18_250 }] }],
    timeZone: 'UTC',
  });

  it('recognises 1.00 a day, then takes back half of what passed on the credit note’s day and half of each day after', () => {
    // Jan 1 – Jun 30 is 181 days: 181.00 recognised; on Jul 1 the credit note reverses 90.50 of them and Jul 1 itself
    // brings 1.00 − 0.50; every later day 0.50.
    const month = recognizedByBucket(
      movements.map((m) => ({ ...m, dimensions: {} })),
      '2026-01-01',
      '2026-12-31',
      'month',
      () => 'all',
    );
    const byMonth = Object.fromEntries([...month.values()].map((row) => [row.bucket, row.amount]));
    expect(byMonth['2026-01-01']).toBe(3100);
    expect(byMonth['2026-06-01']).toBe(3000);
    // July: 31 days at 0.50 = 15.50, minus the 90.50 caught up on Jul 1.
    expect(byMonth['2026-07-01']).toBe(1550 - 9050);
    expect(byMonth['2026-12-01']).toBe(1550);
    expect(sum(Object.values(byMonth))).toBe(18_250);
    expect(deferredAt(movements, '2026-06-30')).toBe(36_500 - 18_100);
    // After Jul 1: 183 days at 1.00 booked by the invoice, 183 × −0.50 by the credit note.
    expect(deferredAt(movements, '2026-07-01')).toBe(18_300 - 9_150);
  });

  it('buckets weeks by their Monday and months by their first day', () => {
    expect(bucketStart('2026-07-01', 'week')).toBe('2026-06-29');
    expect(bucketStart('2026-07-19', 'month')).toBe('2026-07-01');
    expect(bucketStart('2026-07-19', 'day')).toBe('2026-07-19');
  });
});
