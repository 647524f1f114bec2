import fc from 'fast-check';
import {
  assertPriceWithinBounds,
  buildDraftInvoice,
  DomainError,
  MAX_AMOUNT_OFF,
  MAX_INVOICE_LINE_AMOUNTS,
  MAX_INVOICE_NET,
  MAX_ITEMS_PER_SUBSCRIPTION,
  MAX_PERIOD_AMOUNT,
  MAX_PRORATION_LINES_PER_INVOICE,
  MAX_QUANTITY,
  MAX_SETUP_FEE,
  MAX_USAGE_QUANTITY,
  maxPeriodAmount,
  money,
  priceAmount,
  priceBoundViolation,
  priceLines,
  type Coupon,
  type InvoiceItemInput,
  type PricingScheme,
  type Tier,
  type TaxTreatment,
} from '../../../src/domain';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'other';
  }
  return undefined;
}

const amountOf = (scheme: PricingScheme, quantity: number) =>
  priceAmount({ currency: 'EUR', scheme }, quantity).amount;

/** Ascending tiers, the last open, with bounds and amounts drawn from the given ranges. */
const tiersArb = (maxUpTo: number, maxUnit: number, maxFlat: number): fc.Arbitrary<Tier[]> =>
  fc
    .tuple(
      fc.uniqueArray(fc.integer({ min: 1, max: maxUpTo }), { maxLength: 4 }),
      fc.array(
        fc.record(
          {
            unitAmount: fc.integer({ min: 0, max: maxUnit }),
            flatAmount: fc.integer({ min: 0, max: maxFlat }),
          },
          { requiredKeys: ['unitAmount'] },
        ),
        { minLength: 5, maxLength: 5 },
      ),
    )
    .map(([bounds, amounts]) => {
      const upTos = [...bounds.sort((a, b) => a - b), null];
      return upTos.map((upTo, index) => ({ upTo, ...(amounts[index] as Omit<Tier, 'upTo'>) }));
    });

/** Every pricing model, with amounts up to `maxUnit` per unit and `maxFlat` per flat fee. */
const schemeArb = (maxUnit: number, maxFlat: number, maxUpTo: number): fc.Arbitrary<PricingScheme> =>
  fc.oneof(
    fc.integer({ min: 0, max: maxFlat }).map((amount) => ({ model: 'flat' as const, amount })),
    fc.integer({ min: 0, max: maxUnit }).map((unitAmount) => ({ model: 'per_unit' as const, unitAmount })),
    fc
      .record({
        packageAmount: fc.integer({ min: 0, max: maxFlat }),
        unitsPerPackage: fc.integer({ min: 1, max: maxUpTo }),
      })
      .map((package_) => ({ model: 'package' as const, ...package_ })),
    tiersArb(maxUpTo, maxUnit, maxFlat).map((tiers) => ({ model: 'graduated' as const, tiers })),
    tiersArb(maxUpTo, maxUnit, maxFlat).map((tiers) => ({ model: 'volume' as const, tiers })),
  );

describe('maxPeriodAmount: the most a price bills for one period up to a quantity', () => {
  test('equals the largest amount over every quantity from 0 to the bound (checked one by one)', () => {
    fc.assert(
      fc.property(schemeArb(1_000, 5_000, 60), fc.integer({ min: 0, max: 120 }), (scheme, bound) => {
        let largest = 0;
        for (let quantity = 0; quantity <= bound; quantity += 1)
          largest = Math.max(largest, amountOf(scheme, quantity));
        expect(maxPeriodAmount(scheme, bound)).toBe(largest);
      }),
      { numRuns: 400 },
    );
  });

  test('a volume price is largest at the top of a dear tier, not at the bound', () => {
    // 1–10 at 100.00, 11 and above at 1.00: 10 units bill 1000.00, 11 units only 11.00.
    const scheme: PricingScheme = {
      model: 'volume',
      tiers: [
        { upTo: 10, unitAmount: 10_000 },
        { upTo: null, unitAmount: 100 },
      ],
    };
    expect(amountOf(scheme, 11)).toBe(1_100);
    expect(maxPeriodAmount(scheme, 11)).toBe(100_000);
    expect(maxPeriodAmount(scheme, 5)).toBe(50_000);
  });

  test('is exact up to 2^53 − 1 and above it for prices beyond, without losing the comparison', () => {
    const perUnit = (unitAmount: number): PricingScheme => ({ model: 'per_unit', unitAmount });
    expect(maxPeriodAmount(perUnit(Number.MAX_SAFE_INTEGER), 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(maxPeriodAmount(perUnit(Number.MAX_SAFE_INTEGER), 3)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(maxPeriodAmount(perUnit(2 ** 52), 2)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
  });

  test('malformed amounts and bounds are refused, not computed', () => {
    expect(code(() => maxPeriodAmount({ model: 'per_unit', unitAmount: -1 }, 3))).toBe('invalid_price');
    expect(code(() => maxPeriodAmount({ model: 'flat', amount: 1.5 }, 3))).toBe('invalid_price');
    expect(code(() => maxPeriodAmount({ model: 'flat', amount: 1 }, -1))).toBe('invalid_quantity');
    expect(code(() => maxPeriodAmount({ model: 'package', packageAmount: 1, unitsPerPackage: 0 }, 3))).toBe(
      'invalid_price',
    );
  });
});

describe('assertPriceWithinBounds: prices whose invoices could leave the safe-integer range', () => {
  test('the issue: 2^53 − 1 per unit is refused (3 seats would bill 2.7 × 10^16)', () => {
    expect(
      code(() => assertPriceWithinBounds({ model: 'per_unit', unitAmount: Number.MAX_SAFE_INTEGER })),
    ).toBe('amount_out_of_range');
    expect(code(() => assertPriceWithinBounds({ model: 'flat', amount: Number.MAX_SAFE_INTEGER }))).toBe(
      'amount_out_of_range',
    );
  });

  test('at the bound accepted, one minor unit beyond refused, per model', () => {
    const atBound: [PricingScheme, PricingScheme][] = [
      [
        { model: 'flat', amount: MAX_PERIOD_AMOUNT },
        { model: 'flat', amount: MAX_PERIOD_AMOUNT + 1 },
      ],
      // 10^13 / 100 000 seats = 10^8 (1 000 000.00 EUR) per seat.
      [
        { model: 'per_unit', unitAmount: 100_000_000 },
        { model: 'per_unit', unitAmount: 100_000_001 },
      ],
      // 100 000 units in packages of 25 = 4000 packages: 10^13 / 4000 = 2.5 × 10^9 per package.
      [
        { model: 'package', packageAmount: 2_500_000_000, unitsPerPackage: 25 },
        { model: 'package', packageAmount: 2_500_000_001, unitsPerPackage: 25 },
      ],
      // 10 × 999 999 990 001 + 99 990 × 1 = 10^13; a flat fee of 1 on the second tier goes beyond.
      [
        {
          model: 'graduated',
          tiers: [
            { upTo: 10, unitAmount: 999_999_990_001 },
            { upTo: null, unitAmount: 1 },
          ],
        },
        {
          model: 'graduated',
          tiers: [
            { upTo: 10, unitAmount: 999_999_990_001 },
            { upTo: null, unitAmount: 1, flatAmount: 1 },
          ],
        },
      ],
      // Largest at 10 units (10 × 10^12), although 100 000 units bill only 100 000.
      [
        {
          model: 'volume',
          tiers: [
            { upTo: 10, unitAmount: 1_000_000_000_000 },
            { upTo: null, unitAmount: 1 },
          ],
        },
        {
          model: 'volume',
          tiers: [
            { upTo: 10, unitAmount: 1_000_000_000_000, flatAmount: 1 },
            { upTo: null, unitAmount: 1 },
          ],
        },
      ],
    ];
    for (const [inside, beyond] of atBound) {
      expect({ scheme: inside, most: maxPeriodAmount(inside, MAX_QUANTITY) }).toEqual({
        scheme: inside,
        most: MAX_PERIOD_AMOUNT,
      });
      expect(code(() => assertPriceWithinBounds(inside))).toBeUndefined();
      expect({ scheme: beyond, code: code(() => assertPriceWithinBounds(beyond)) }).toEqual({
        scheme: beyond,
        code: 'amount_out_of_range',
      });
    }
  });

  test('a metered price is bounded at the usage bound: 10^13 / 10^9 = 100.00 EUR per unit of usage', () => {
    const perUnit = (unitAmount: number): PricingScheme => ({ model: 'per_unit', unitAmount });
    expect(code(() => assertPriceWithinBounds(perUnit(10_000), 0, MAX_USAGE_QUANTITY))).toBeUndefined();
    expect(code(() => assertPriceWithinBounds(perUnit(10_001), 0, MAX_USAGE_QUANTITY))).toBe(
      'amount_out_of_range',
    );
    // The same price is well inside the seat bound, which is why the caller says which one applies.
    expect(code(() => assertPriceWithinBounds(perUnit(10_001)))).toBeUndefined();
  });

  test('the setup fee has its own bound, named as its own part', () => {
    const scheme: PricingScheme = { model: 'flat', amount: 1_900 };
    expect(priceBoundViolation(scheme, MAX_SETUP_FEE)).toBeNull();
    expect(priceBoundViolation(scheme, MAX_SETUP_FEE + 1)?.part).toBe('setup_fee');
    expect(code(() => assertPriceWithinBounds(scheme, MAX_SETUP_FEE + 1))).toBe('amount_out_of_range');
    expect(
      priceBoundViolation({ model: 'flat', amount: MAX_PERIOD_AMOUNT + 1 }, MAX_SETUP_FEE + 1)?.part,
    ).toBe('price');
    expect(code(() => assertPriceWithinBounds(scheme, -1))).toBe('invalid_price');
  });

  test('a price within bounds bills at most MAX_PERIOD_AMOUNT at every quantity up to the bound, safely', () => {
    // Amounts drawn around the bound, so about half the prices pass and those that pass come close to it.
    const schemes = schemeArb(
      Math.floor((2 * MAX_PERIOD_AMOUNT) / MAX_QUANTITY),
      2 * MAX_PERIOD_AMOUNT,
      2 * MAX_QUANTITY,
    );
    const quantities = fc.oneof(fc.integer({ min: 0, max: MAX_QUANTITY }), fc.constant(MAX_QUANTITY));
    fc.assert(
      fc.property(schemes, quantities, (scheme, quantity) => {
        const inside = priceBoundViolation(scheme) === null;
        expect(inside).toBe(maxPeriodAmount(scheme, MAX_QUANTITY) <= MAX_PERIOD_AMOUNT);
        if (inside) expect(amountOf(scheme, quantity)).toBeLessThanOrEqual(MAX_PERIOD_AMOUNT);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('the invoice budget: any invoice built from prices within bounds stays a safe integer', () => {
  const taxOf = (rateBp: number): TaxTreatment => ({ kind: 'domestic', rateBp, reverseCharge: false });
  const line = (kind: InvoiceItemInput['kind'], amount: number): InvoiceItemInput => ({
    kind,
    description: kind,
    amount: money(amount, 'EUR'),
  });

  test('the constants add up: 450 amounts of 10^13 before tax, 410 of them prorations beside 20 items and fees', () => {
    expect(MAX_INVOICE_NET).toBe(4_503_599_627_370_495);
    expect(MAX_INVOICE_LINE_AMOUNTS).toBe(450);
    expect(MAX_PRORATION_LINES_PER_INVOICE).toBe(410);
    expect(MAX_INVOICE_LINE_AMOUNTS * MAX_PERIOD_AMOUNT * 2).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    expect(MAX_AMOUNT_OFF).toBe(MAX_INVOICE_NET);
  });

  test('the worst case bills 9 × 10^15 with 100 % tax; one more amount at the bound would overflow', () => {
    const worst = [
      ...Array.from({ length: MAX_ITEMS_PER_SUBSCRIPTION }, () => line('subscription', MAX_PERIOD_AMOUNT)),
      ...Array.from({ length: MAX_ITEMS_PER_SUBSCRIPTION }, () => line('setup_fee', MAX_SETUP_FEE)),
      ...Array.from({ length: MAX_PRORATION_LINES_PER_INVOICE }, () => line('proration', MAX_PERIOD_AMOUNT)),
    ];
    const input = {
      currency: 'EUR',
      tax: taxOf(10_000),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    };
    const invoice = buildDraftInvoice({ ...input, items: worst });
    expect(invoice.subtotal).toBe(4_500_000_000_000_000);
    expect(invoice.total).toBe(9_000_000_000_000_000);
    // The budget is not slack: the 451st amount takes the total past 2^53 − 1.
    expect(
      code(() => buildDraftInvoice({ ...input, items: [...worst, line('proration', MAX_PERIOD_AMOUNT)] })),
    ).toBe('invalid_amount');
  });

  test('property: items at any quantity, setup fees, prorations, tax up to 100 %, coupons and credit never overflow', () => {
    const boundedScheme = schemeArb(
      Math.floor((2 * MAX_PERIOD_AMOUNT) / MAX_QUANTITY),
      2 * MAX_PERIOD_AMOUNT,
      2 * MAX_QUANTITY,
    ).filter((scheme) => priceBoundViolation(scheme) === null);
    const extreme = (max: number) => fc.oneof(fc.integer({ min: 0, max }), fc.constant(max), fc.constant(0));
    const item = fc.record({
      scheme: boundedScheme,
      quantity: extreme(MAX_QUANTITY),
      setupFee: extreme(MAX_SETUP_FEE),
    });
    const proration = fc
      .tuple(fc.boolean(), extreme(MAX_PERIOD_AMOUNT))
      .map(([credit, amount]) => line('proration', credit ? -amount : amount));
    const coupon: fc.Arbitrary<Coupon> = fc.oneof(
      fc.integer({ min: 1, max: 10_000 }).map((basisPoints) => ({
        id: 'co_percent',
        name: 'Percent',
        discount: { type: 'percent' as const, basisPoints },
        duration: { type: 'forever' as const },
        timesRedeemed: 0,
      })),
      extreme(MAX_AMOUNT_OFF)
        .filter((amount) => amount > 0)
        .map((amount) => ({
          id: 'co_amount',
          name: 'Amount',
          discount: { type: 'amount' as const, amount: money(amount, 'EUR') },
          duration: { type: 'forever' as const },
          timesRedeemed: 0,
        })),
    );
    const invoices = fc.record({
      items: fc.array(item, { minLength: 1, maxLength: MAX_ITEMS_PER_SUBSCRIPTION }),
      prorations: fc.array(proration, { maxLength: MAX_PRORATION_LINES_PER_INVOICE }),
      rateBp: extreme(10_000),
      inclusive: fc.boolean(),
      coupons: fc.array(coupon, { maxLength: 3 }),
      credit: extreme(MAX_INVOICE_NET),
    });
    fc.assert(
      fc.property(invoices, ({ items, prorations, rateBp, inclusive, coupons, credit }) => {
        const lines = items.flatMap(({ scheme, quantity, setupFee }) => [
          ...priceLines({ currency: 'EUR', scheme }, quantity, 'Item').map((priced) =>
            line('subscription', priced.amount.amount),
          ),
          line('setup_fee', setupFee),
        ]);
        const invoice = buildDraftInvoice({
          currency: 'EUR',
          items: [...lines, ...prorations],
          coupons,
          tax: taxOf(rateBp),
          pricesIncludeTax: inclusive,
          creditBalance: money(credit, 'EUR'),
        });
        expect(Math.abs(invoice.total)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
        expect(Number.isSafeInteger(invoice.amountDue)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
