import fc from 'fast-check';
import {
  buildDraftInvoice,
  determineTax,
  money,
  percentOff,
  prorationLines,
  REVERSE_CHARGE_NOTE,
  taxForRate,
  taxRateFor,
  type Coupon,
  type DraftInvoice,
  type DraftInvoiceInput,
  type InvoiceItemInput,
  type TaxCategory,
  type TaxLine,
  type TaxTreatment,
} from '../../../src/domain';

const SELLER = { country: 'DE' };
const DE_TAX = determineTax(SELLER, { country: 'DE' });
const tenPercent: Coupon = {
  id: 'TEN',
  name: '10 % off',
  discount: percentOff(10),
  duration: { type: 'forever' },
  timesRedeemed: 0,
};

function item(
  amount: number,
  kind: InvoiceItemInput['kind'] = 'subscription',
  currency = 'EUR',
): InvoiceItemInput {
  return { kind, description: `${kind} ${amount}`, amount: money(amount, currency) };
}

describe('draft invoice worked examples', () => {
  it('Pro 49.00 + usage 47.00 − 10 % + French VAT 20 % − 5.00 credit = 98.68 due', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [item(4900), item(4700, 'usage')],
      coupons: [tenPercent],
      tax: determineTax(SELLER, { country: 'FR' }),
      pricesIncludeTax: false,
      creditBalance: money(500, 'EUR'),
    });
    expect(invoice).toMatchObject({
      subtotal: 9600,
      discountTotal: 960,
      taxes: [{ rateBp: 2000, taxable: 8640, amount: 1728, reverseCharge: false, inclusive: false }],
      total: 10368,
      creditApplied: 500,
      amountDue: 9868,
      creditToBalance: 0,
    });
    expect(invoice.lines.map((line) => [line.kind, line.amount])).toEqual([
      ['subscription', 4900],
      ['usage', 4700],
      ['discount', -960],
    ]);
  });

  it('computes tax once on the subtotal per rate, not per line: 3 × 0.07 at 19 % is 0.04, not 3 × 0.01', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [item(7), item(7), item(7)],
      tax: determineTax(SELLER, { country: 'DE' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice.taxes.map((tax) => tax.amount)).toEqual([4]);
    expect(invoice.total).toBe(25);
  });

  it('tax-inclusive prices: 119.00 gross carries 19.00 included VAT and a total of 119.00', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [item(11900)],
      tax: determineTax(SELLER, { country: 'DE' }),
      pricesIncludeTax: true,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice.taxes).toEqual([
      { rateBp: 1900, taxable: 10000, amount: 1900, reverseCharge: false, inclusive: true },
    ]);
    expect(invoice.total).toBe(11900);
  });

  it('reverse charge: a 0 % tax line flagged reverseCharge and the legal note on the invoice', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [item(10000)],
      tax: determineTax(SELLER, { country: 'FR', vatId: 'FR40303265045' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice.taxes).toEqual([
      { rateBp: 0, taxable: 10000, amount: 0, reverseCharge: true, inclusive: false },
    ]);
    expect(invoice.notes).toEqual([REVERSE_CHARGE_NOTE]);
    expect(invoice.total).toBe(10000);
  });

  it('a downgrade proration larger than the charge yields no amount due and credits the excess to the balance', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [item(-2000, 'proration'), item(500, 'proration')],
      tax: determineTax(SELLER, { country: 'DE' }),
      pricesIncludeTax: false,
      creditBalance: money(300, 'EUR'),
    });
    // net −15.00, VAT −2.85 → total −17.85
    expect(invoice).toMatchObject({ total: -1785, amountDue: 0, creditApplied: 0, creditToBalance: 1785 });
  });

  it('JPY (0 decimals): 980 × 3 seats with 10 % off and no tax is 2646 yen', () => {
    const invoice = buildDraftInvoice({
      currency: 'JPY',
      items: [
        {
          kind: 'subscription',
          description: 'Seats',
          amount: money(2940, 'JPY'),
          quantity: 3,
          unitAmount: 980,
        },
      ],
      coupons: [tenPercent],
      tax: determineTax(SELLER, { country: 'JP' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'JPY'),
    });
    expect(invoice).toMatchObject({
      subtotal: 2940,
      discountTotal: 294,
      total: 2646,
      amountDue: 2646,
      taxes: [],
    });
  });

  it('KWD (3 decimals): 12.345 KWD with a configured 5 % rate is 12.962 KWD', () => {
    const invoice = buildDraftInvoice({
      currency: 'KWD',
      items: [item(12345, 'subscription', 'KWD')],
      tax: determineTax(SELLER, { country: 'KW' }, { KW: 500 }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'KWD'),
    });
    // 12.345 × 5 % = 0.61725 → 0.617
    expect(invoice).toMatchObject({ total: 12962, taxes: [{ amount: 617 }] });
  });

  it('rejects a line in another currency with currency_mismatch', () => {
    expect(() =>
      buildDraftInvoice({
        currency: 'EUR',
        items: [item(100, 'usage', 'USD')],
        tax: determineTax(SELLER, { country: 'DE' }),
        pricesIncludeTax: false,
        creditBalance: money(0, 'EUR'),
      }),
    ).toThrow(expect.objectContaining({ code: 'currency_mismatch' }));
  });
});

describe('draft invoice invariants (property)', () => {
  const treatments: TaxTreatment[] = [
    determineTax(SELLER, { country: 'DE' }),
    determineTax(SELLER, { country: 'HU' }),
    determineTax(SELLER, { country: 'FR', vatId: 'FR40303265045' }),
    determineTax(SELLER, { country: 'US' }),
  ];
  const kinds = ['subscription', 'proration', 'usage', 'setup_fee'] as const;
  const arbitraryInput: fc.Arbitrary<DraftInvoiceInput> = fc
    .record({
      currency: fc.constantFrom('EUR', 'JPY', 'KWD'),
      items: fc.array(fc.tuple(fc.constantFrom(...kinds), fc.integer({ min: -1_000_000, max: 10_000_000 })), {
        maxLength: 8,
      }),
      coupons: fc.array(
        fc.oneof(
          fc.integer({ min: 1, max: 10_000 }).map((bp): Coupon => ({
            ...tenPercent,
            id: `p${bp}`,
            discount: { type: 'percent', basisPoints: bp },
          })),
          fc.integer({ min: 1, max: 5_000_000 }).map((amount): Coupon => ({
            ...tenPercent,
            id: `a${amount}`,
            discount: { type: 'amount', amount: money(amount, 'EUR') },
          })),
        ),
        { maxLength: 2 },
      ),
      tax: fc.constantFrom(...treatments),
      pricesIncludeTax: fc.boolean(),
      balance: fc.integer({ min: 0, max: 5_000_000 }),
    })
    .map(({ currency, items, coupons, tax, pricesIncludeTax, balance }) => ({
      currency,
      items: items.map(([kind, amount]) => item(amount, kind, currency)),
      // amount-off coupons must share the invoice currency
      coupons: coupons.map((coupon) =>
        coupon.discount.type === 'amount'
          ? {
              ...coupon,
              discount: { type: 'amount', amount: money(coupon.discount.amount.amount, currency) },
            }
          : coupon,
      ),
      tax,
      pricesIncludeTax,
      creditBalance: money(balance, currency),
    }));

  it('total = Σ lines + Σ exclusive tax, Σ lines = subtotal − discountTotal, amount due ≥ 0, credit split exact', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const invoice = buildDraftInvoice(input);
        const lines = invoice.lines.reduce((acc, line) => acc + line.amount, 0);
        const exclusiveTax = invoice.taxes.filter((t) => !t.inclusive).reduce((acc, t) => acc + t.amount, 0);
        expect(invoice.total).toBe(lines + exclusiveTax);
        expect(lines).toBe(invoice.subtotal - invoice.discountTotal);
        expect(invoice.discountTotal).toBeGreaterThanOrEqual(0);
        expect(invoice.amountDue).toBeGreaterThanOrEqual(0);
        expect(invoice.creditApplied).toBeLessThanOrEqual(input.creditBalance.amount);
        expect(invoice.amountDue + invoice.creditApplied).toBe(Math.max(invoice.total, 0));
        expect(invoice.creditToBalance).toBe(Math.max(-invoice.total, 0));
      }),
    );
  });

  it('discounts never exceed a positive subtotal and never apply to a non-positive one', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const invoice = buildDraftInvoice(input);
        expect(invoice.discountTotal).toBeLessThanOrEqual(Math.max(invoice.subtotal, 0));
      }),
    );
  });

  it('is deterministic: the same input yields a deeply equal invoice', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        expect(buildDraftInvoice(input)).toEqual(buildDraftInvoice(structuredClone(input)));
      }),
    );
  });
});

describe('invoices with several tax rates', () => {
  const DE = determineTax(SELLER, { country: 'DE' });
  const categorized = (
    amount: number,
    taxCategory: TaxCategory,
    kind: InvoiceItemInput['kind'] = 'subscription',
  ): InvoiceItemInput => ({ ...item(amount, kind), taxCategory });

  it('German consumer, exclusive: beans 30.00 at 7 % + grinder 20.00 at 19 %, 10 % off → 50.31', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [categorized(3000, 'reduced'), categorized(2000, 'standard')],
      coupons: [tenPercent],
      tax: DE,
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    // The 5.00 discount splits 2:3 over the rates: 2.00 off the 19 % lines, 3.00 off the 7 % lines.
    expect(invoice).toMatchObject({
      subtotal: 5000,
      discountTotal: 500,
      taxes: [
        { rateBp: 1900, taxable: 1800, amount: 342, reverseCharge: false, inclusive: false },
        { rateBp: 700, taxable: 2700, amount: 189, reverseCharge: false, inclusive: false },
      ],
      total: 5031,
    });
    expect(invoice.lines.map((line) => [line.kind, line.amount, line.taxRateBp])).toEqual([
      ['subscription', 3000, 700],
      ['subscription', 2000, 1900],
      ['discount', -500, undefined],
    ]);
  });

  it('the same prices tax-inclusive: the customer pays the gross 45.00; each rate splits its gross exactly', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [categorized(3000, 'reduced'), categorized(2000, 'standard')],
      coupons: [tenPercent],
      tax: DE,
      pricesIncludeTax: true,
      creditBalance: money(0, 'EUR'),
    });
    // 18.00 × 19/119 = 2.8739 → 2.87 on 15.13; 27.00 × 7/107 = 1.7664 → 1.77 on 25.23.
    expect(invoice.taxes).toEqual([
      { rateBp: 1900, taxable: 1513, amount: 287, reverseCharge: false, inclusive: true },
      { rateBp: 700, taxable: 2523, amount: 177, reverseCharge: false, inclusive: true },
    ]);
    expect(invoice.total).toBe(4500);
  });

  it('largest remainder: 1.00 off three 10.00 lines at 19 %, 7 % and 0 % takes 0.34, 0.33, 0.33; no cent is lost', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [categorized(1000, 'standard'), categorized(1000, 'reduced'), categorized(1000, 'zero')],
      coupons: [{ ...tenPercent, id: 'EURO', discount: { type: 'amount', amount: money(100, 'EUR') } }],
      tax: DE,
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice.taxes.map((tax) => [tax.rateBp, tax.taxable, tax.amount])).toEqual([
      [1900, 966, 184],
      [700, 967, 68],
      [0, 967, 0],
    ]);
    expect(invoice.total).toBe(2900 + 184 + 68);
  });

  it('a credit in one rate takes no share of the discount: −20.00 at 19 % beside +50.00 at 7 %, 10 % off', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [categorized(-2000, 'standard', 'proration'), categorized(5000, 'reduced', 'proration')],
      coupons: [tenPercent],
      tax: DE,
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice.taxes.map((tax) => [tax.rateBp, tax.taxable, tax.amount])).toEqual([
      [1900, -2000, -380],
      [700, 4700, 329],
    ]);
    expect(invoice.total).toBe(2700 - 380 + 329);
  });

  it('reverse charge: every category at 0 %, one line on the whole net, with the legal note', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [categorized(3000, 'reduced'), categorized(2000, 'standard')],
      tax: determineTax(SELLER, { country: 'FR', vatId: 'FR40303265045' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice.taxes).toEqual([
      { rateBp: 0, taxable: 5000, amount: 0, reverseCharge: true, inclusive: false },
    ]);
    expect(invoice.notes).toEqual([REVERSE_CHARGE_NOTE]);
  });

  it('Swiss customer of a seller registered in Switzerland: 100.00 at 8.1 % + 50.00 at 2.6 % = 159.40', () => {
    const invoice = buildDraftInvoice({
      currency: 'CHF',
      items: [
        { ...item(10000, 'subscription', 'CHF'), taxCategory: 'standard' },
        { ...item(5000, 'subscription', 'CHF'), taxCategory: 'reduced' },
      ],
      tax: determineTax(SELLER, { country: 'CH' }, { CH: { standard: 810, reduced: 260 } }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'CHF'),
    });
    expect(invoice.taxes.map((tax) => [tax.rateBp, tax.taxable, tax.amount])).toEqual([
      [810, 10000, 810],
      [260, 5000, 130],
    ]);
    expect(invoice).toMatchObject({ total: 15940, notes: [] });
  });

  it('tax-inclusive proration: 11.90 → 23.80 gross with half of April left charges 5.95, of which 0.95 is VAT', () => {
    const lines = prorationLines({
      current: { description: 'Basic', amount: money(1190, 'EUR') },
      next: { description: 'Pro', amount: money(2380, 'EUR') },
      periodStart: '2026-04-01T00:00:00Z',
      periodEnd: '2026-05-01T00:00:00Z',
      changeAt: '2026-04-16T00:00:00Z',
    });
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: lines.map((line) => ({ kind: 'proration', description: line.description, amount: line.amount })),
      tax: DE,
      pricesIncludeTax: true,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice.lines.map((line) => line.amount)).toEqual([-595, 1190]);
    expect(invoice.taxes).toEqual([
      { rateBp: 1900, taxable: 500, amount: 95, reverseCharge: false, inclusive: true },
    ]);
    expect(invoice.total).toBe(595);
  });

  it('only zero-rated products: no tax line, as for any untaxed sale', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [categorized(1500, 'zero')],
      tax: DE,
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice).toMatchObject({ taxes: [], total: 1500 });
    expect(invoice.lines[0]?.taxRateBp).toBe(0);
  });

  it('two categories at one rate share one tax line: in Denmark reduced is the standard 25 %', () => {
    const invoice = buildDraftInvoice({
      currency: 'EUR',
      items: [categorized(1000, 'reduced'), categorized(3000, 'standard')],
      tax: determineTax(SELLER, { country: 'DK' }),
      pricesIncludeTax: false,
      creditBalance: money(0, 'EUR'),
    });
    expect(invoice.taxes).toEqual([
      { rateBp: 2500, taxable: 4000, amount: 1000, reverseCharge: false, inclusive: false },
    ]);
  });
});

describe('multi-rate invoice invariants (property)', () => {
  const treatments: TaxTreatment[] = [
    determineTax(SELLER, { country: 'DE' }),
    determineTax(SELLER, { country: 'IT' }),
    determineTax(SELLER, { country: 'SE' }, {}, { at: '2026-01-15T00:00:00Z' }),
    determineTax(SELLER, { country: 'FR', vatId: 'FR40303265045' }),
    determineTax(SELLER, { country: 'CH' }, { CH: { standard: 810, reduced: 260 } }),
    determineTax(SELLER, { country: 'US' }),
  ];
  const categories = ['standard', 'reduced', 'zero'] as const;
  const arbitraryInput = fc
    .record({
      currency: fc.constantFrom('EUR', 'JPY', 'KWD'),
      items: fc.array(
        fc.tuple(
          fc.constantFrom('subscription', 'proration', 'usage', 'setup_fee' as const),
          fc.integer({ min: -1_000_000, max: 10_000_000 }),
          fc.option(fc.constantFrom(...categories), { nil: undefined }),
        ),
        { maxLength: 8 },
      ),
      percentBp: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
      amountOff: fc.option(fc.integer({ min: 1, max: 5_000_000 }), { nil: undefined }),
      tax: fc.constantFrom(...treatments),
      pricesIncludeTax: fc.boolean(),
    })
    .map(({ currency, items, percentBp, amountOff, tax, pricesIncludeTax }): DraftInvoiceInput => {
      const coupons: Coupon[] = [];
      if (percentBp !== undefined) {
        coupons.push({ ...tenPercent, id: 'P', discount: { type: 'percent', basisPoints: percentBp } });
      }
      if (amountOff !== undefined) {
        coupons.push({
          ...tenPercent,
          id: 'A',
          discount: { type: 'amount', amount: money(amountOff, currency) },
        });
      }
      return {
        currency,
        items: items.map(([kind, amount, taxCategory]) => ({
          ...item(amount, kind, currency),
          ...(taxCategory === undefined ? {} : { taxCategory }),
        })),
        coupons,
        tax,
        pricesIncludeTax,
        creditBalance: money(0, currency),
      };
    });

  /** Σ of the item lines per rate, as the lines themselves say. */
  const grossByRate = (invoice: DraftInvoice): Map<number, number> => {
    const byRate = new Map<number, number>();
    for (const line of invoice.lines.filter((l) => l.kind !== 'discount')) {
      byRate.set(line.taxRateBp ?? -1, (byRate.get(line.taxRateBp ?? -1) ?? 0) + line.amount);
    }
    return byRate;
  };
  /** The part of the discounted lines a tax line was computed on: net, or net + tax for inclusive prices. */
  const base = (tax: TaxLine) => tax.taxable + (tax.inclusive ? tax.amount : 0);

  it('each line carries the rate of its category; one tax line per rate, each computed once on its own base', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const invoice = buildDraftInvoice(input);
        input.items.forEach((given, index) => {
          expect(invoice.lines[index]?.taxRateBp).toBe(
            taxRateFor(input.tax, given.taxCategory ?? 'standard'),
          );
        });
        const rates = invoice.taxes.map((tax) => tax.rateBp);
        expect(new Set(rates).size).toBe(rates.length);
        expect([...rates].sort((a, b) => b - a)).toEqual(rates);
        for (const tax of invoice.taxes) {
          expect(tax).toEqual(
            taxForRate(
              money(base(tax), input.currency),
              { rateBp: tax.rateBp, reverseCharge: input.tax.reverseCharge },
              input.pricesIncludeTax,
            ),
          );
        }
      }),
    );
  });

  it("tax-inclusive: the total is the discounted gross, and the rates' net + tax add up to it exactly", () => {
    fc.assert(
      fc.property(
        arbitraryInput.map((input) => ({ ...input, pricesIncludeTax: true })),
        (input) => {
          const invoice = buildDraftInvoice(input);
          const lines = invoice.lines.reduce((acc, line) => acc + line.amount, 0);
          expect(invoice.total).toBe(lines);
          expect(invoice.total).toBe(invoice.subtotal - invoice.discountTotal);
          const listed = invoice.taxes.reduce((acc, tax) => acc + tax.taxable + tax.amount, 0);
          // Every rate with a tax line: their gross adds up to the lines; an unlisted rate is a lone 0 %.
          if (invoice.taxes.length > 0) expect(listed).toBe(lines);
        },
      ),
    );
  });

  it('totals = Σ rounded lines + Σ exclusive taxes; the discount shares sum exactly and stay within each rate', () => {
    fc.assert(
      fc.property(arbitraryInput, (input) => {
        const invoice = buildDraftInvoice(input);
        const lines = invoice.lines.reduce((acc, line) => acc + line.amount, 0);
        const exclusiveTax = invoice.taxes.filter((t) => !t.inclusive).reduce((acc, t) => acc + t.amount, 0);
        expect(invoice.total).toBe(lines + exclusiveTax);
        expect(lines).toBe(invoice.subtotal - invoice.discountTotal);
        const gross = grossByRate(invoice);
        if (invoice.taxes.length === 0) return;
        let shares = 0;
        for (const [rate, groupGross] of gross) {
          const tax = invoice.taxes.find((t) => t.rateBp === rate);
          expect(tax).toBeDefined();
          const share = groupGross - base(tax as TaxLine);
          expect(share).toBeGreaterThanOrEqual(0);
          expect(share).toBeLessThanOrEqual(Math.max(groupGross, 0));
          shares += share;
        }
        expect(shares).toBe(invoice.discountTotal);
      }),
    );
  });

  it('tax-inclusive proration stays exact: the invoice of a change totals the prorated gross lines to the cent', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 30 * 86_400 - 1 }),
        fc.constantFrom(...categories),
        fc.constantFrom(...categories),
        (oldGross, newGross, elapsed, oldCategory, newCategory) => {
          const periodStart = '2026-04-01T00:00:00.000Z';
          const changeAt = new Date(Date.parse(periodStart) + elapsed * 1000).toISOString();
          const lines = prorationLines({
            current: { description: 'Old', amount: money(oldGross, 'EUR') },
            next: { description: 'New', amount: money(newGross, 'EUR') },
            periodStart,
            periodEnd: '2026-05-01T00:00:00.000Z',
            changeAt,
          });
          const invoice = buildDraftInvoice({
            currency: 'EUR',
            items: lines.map((line, index) => ({
              kind: 'proration',
              description: line.description,
              amount: line.amount,
              taxCategory: index === 0 ? oldCategory : newCategory,
            })),
            tax: DE_TAX,
            pricesIncludeTax: true,
            creditBalance: money(0, 'EUR'),
          });
          const prorated = lines.reduce((acc, line) => acc + line.amount.amount, 0);
          expect(invoice.total).toBe(prorated);
          for (const tax of invoice.taxes) {
            const group = invoice.lines
              .filter((line) => line.taxRateBp === tax.rateBp)
              .reduce((acc, line) => acc + line.amount, 0);
            expect(tax.taxable + tax.amount).toBe(group);
          }
        },
      ),
    );
  });
});
