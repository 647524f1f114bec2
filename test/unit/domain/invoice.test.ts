import fc from 'fast-check';
import {
  buildDraftInvoice,
  determineTax,
  money,
  percentOff,
  REVERSE_CHARGE_NOTE,
  type Coupon,
  type DraftInvoiceInput,
  type InvoiceItemInput,
  type TaxTreatment,
} from '../../../src/domain';

const SELLER = { country: 'DE' };
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
