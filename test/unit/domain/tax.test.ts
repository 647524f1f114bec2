import {
  determineTax,
  EU_STANDARD_VAT_RATES_BP,
  money,
  OUTSIDE_EU_NOTE,
  REVERSE_CHARGE_NOTE,
  taxForRate,
  taxRateFor,
  vatIdMemberState,
} from '../../../src/domain';

const SELLER = { country: 'DE', vatId: 'DE123456789' };

describe('tax treatment', () => {
  it('seeds all 27 EU member states, Germany at 19 %', () => {
    expect(Object.keys(EU_STANDARD_VAT_RATES_BP)).toHaveLength(27);
    expect(EU_STANDARD_VAT_RATES_BP.DE).toBe(1900);
  });

  it('domestic: a German customer of a German seller pays German VAT, with or without a VAT id', () => {
    expect(determineTax(SELLER, { country: 'DE' })).toEqual({
      kind: 'domestic',
      rateBp: 1900,
      rates: { standard: 1900, reduced: 700, zero: 0 },
      reverseCharge: false,
    });
    expect(determineTax(SELLER, { country: 'DE', vatId: 'DE999999999' }).rateBp).toBe(1900);
  });

  it("EU B2C: a French consumer pays the customer country's rate, 20 %", () => {
    expect(determineTax(SELLER, { country: 'FR' })).toEqual({
      kind: 'eu_b2c',
      rateBp: 2000,
      rates: { standard: 2000, reduced: 550, zero: 0 },
      reverseCharge: false,
    });
  });

  it('EU B2B: a French business with a VAT id gets reverse charge at 0 % with the legal note', () => {
    expect(determineTax(SELLER, { country: 'FR', vatId: 'FR 40 303 265 045' })).toEqual({
      kind: 'eu_reverse_charge',
      rateBp: 0,
      rates: { standard: 0, reduced: 0, zero: 0 },
      reverseCharge: true,
      note: REVERSE_CHARGE_NOTE,
    });
  });

  it('reads Greek VAT ids by their EL prefix', () => {
    expect(vatIdMemberState('EL123456789')).toBe('GR');
    expect(determineTax(SELLER, { country: 'GR', vatId: 'EL123456789' }).kind).toBe('eu_reverse_charge');
  });

  it('a VAT id that is not from an EU member state does not trigger reverse charge', () => {
    expect(determineTax(SELLER, { country: 'AT', vatId: 'GB123456789' }).kind).toBe('eu_b2c');
  });

  it('non-EU: no tax unless the seller configured a rate for that country', () => {
    expect(determineTax(SELLER, { country: 'US' }).rateBp).toBe(0);
    expect(determineTax(SELLER, { country: 'US' }).kind).toBe('outside_eu');
    expect(determineTax(SELLER, { country: 'CH' }, { CH: 810 }).rateBp).toBe(810);
  });

  it('reverse charge needs a well-formed VAT id: a French id one digit short is an EU consumer sale at 20 %', () => {
    expect(vatIdMemberState('FR4030326504')).toBeUndefined();
    expect(determineTax(SELLER, { country: 'FR', vatId: 'FR4030326504' })).toMatchObject({
      kind: 'eu_b2c',
      rateBp: 2000,
      reverseCharge: false,
    });
    expect(determineTax(SELLER, { country: 'AT', vatId: 'ATU1234567' }).kind).toBe('eu_b2c');
    expect(determineTax(SELLER, { country: 'AT', vatId: 'ATU12345678' }).kind).toBe('eu_reverse_charge');
  });
});

describe('tax categories', () => {
  it('Germany: standard 19 %, reduced 7 %, zero 0 %', () => {
    const de = determineTax(SELLER, { country: 'DE' });
    expect([taxRateFor(de, 'standard'), taxRateFor(de, 'reduced'), taxRateFor(de, 'zero')]).toEqual([
      1900, 700, 0,
    ]);
    expect(taxRateFor(de)).toBe(1900);
  });

  it("EU B2C takes the customer country's rate of each category: Italy 22 % and 10 %", () => {
    expect(determineTax(SELLER, { country: 'IT' }).rates).toEqual({ standard: 2200, reduced: 1000, zero: 0 });
  });

  it('Denmark has no reduced rate: a reduced product is taxed at the standard 25 %', () => {
    expect(determineTax(SELLER, { country: 'DK' }).rates).toEqual({ standard: 2500, reduced: 2500, zero: 0 });
  });

  it('reverse charge and untaxed exports are 0 % in every category', () => {
    for (const tax of [
      determineTax(SELLER, { country: 'NL', vatId: 'NL123456789B01' }),
      determineTax(SELLER, { country: 'US' }),
    ]) {
      expect([taxRateFor(tax, 'standard'), taxRateFor(tax, 'reduced'), taxRateFor(tax, 'zero')]).toEqual([
        0, 0, 0,
      ]);
    }
  });

  it('a treatment built by hand without category rates taxes standard and reduced at its one rate', () => {
    const manual = { kind: 'domestic' as const, rateBp: 1600, reverseCharge: false };
    expect([
      taxRateFor(manual, 'standard'),
      taxRateFor(manual, 'reduced'),
      taxRateFor(manual, 'zero'),
    ]).toEqual([1600, 1600, 0]);
  });
});

describe('rates by date', () => {
  it('uses the rates in force on the tax point: Romania 19 % / 9 % until July 2025, 21 % / 11 % from August', () => {
    const before = determineTax(SELLER, { country: 'RO' }, {}, { at: '2025-07-31T12:00:00Z' });
    const after = determineTax(SELLER, { country: 'RO' }, {}, { at: '2025-08-01T12:00:00Z' });
    expect(before.rates).toEqual({ standard: 1900, reduced: 900, zero: 0 });
    expect(after.rates).toEqual({ standard: 2100, reduced: 1100, zero: 0 });
  });

  it('a rate changes at midnight in the member state: 2026-03-31T22:30Z is already April 1 in Stockholm', () => {
    const atUtcMidnightEve = determineTax(SELLER, { country: 'SE' }, {}, { at: '2026-03-31T21:30:00Z' });
    const afterStockholmMidnight = determineTax(
      SELLER,
      { country: 'SE' },
      {},
      { at: '2026-03-31T22:30:00Z' },
    );
    expect(taxRateFor(atUtcMidnightEve, 'reduced')).toBe(1200);
    expect(taxRateFor(afterStockholmMidnight, 'reduced')).toBe(600);
  });

  it("a domestic sale uses the seller state's rates on that day: Finland reduced 14 % in 2025, 13.5 % in 2026", () => {
    const fi = { country: 'FI', vatId: 'FI12345678' };
    expect(
      taxRateFor(determineTax(fi, { country: 'FI' }, {}, { at: '2025-12-31T12:00:00Z' }), 'reduced'),
    ).toBe(1400);
    expect(
      taxRateFor(determineTax(fi, { country: 'FI' }, {}, { at: '2026-01-01T12:00:00Z' }), 'reduced'),
    ).toBe(1350);
  });

  it('rejects a tax point that is not an instant with an offset', () => {
    expect(() => determineTax(SELLER, { country: 'FR' }, {}, { at: '2026-01-01' })).toThrow(
      expect.objectContaining({ code: 'invalid_instant' }),
    );
  });
});

describe("rates of the seller's registrations outside the EU", () => {
  const CH = { CH: { standard: 810, reduced: 260 } };

  it('Switzerland 8.1 % and 2.6 % once configured, with no export note', () => {
    const ch = determineTax(SELLER, { country: 'CH' }, CH);
    expect(ch).toEqual({
      kind: 'outside_eu',
      rateBp: 810,
      rates: { standard: 810, reduced: 260, zero: 0 },
      reverseCharge: false,
    });
  });

  it('without a configured rate an export is 0 % with its note', () => {
    expect(determineTax(SELLER, { country: 'NO' }, CH)).toEqual({
      kind: 'outside_eu',
      rateBp: 0,
      rates: { standard: 0, reduced: 0, zero: 0 },
      reverseCharge: false,
      note: OUTSIDE_EU_NOTE,
    });
  });

  it('a configured rate without a reduced one taxes reduced products at the standard rate', () => {
    expect(determineTax(SELLER, { country: 'NO' }, { NO: { standard: 2500 } }).rates).toEqual({
      standard: 2500,
      reduced: 2500,
      zero: 0,
    });
  });

  it('a seller outside the EU charges its configured rates, and nothing elsewhere', () => {
    const swissSeller = { country: 'CH', vatId: 'CHE-123.456.789 MWST' };
    expect(determineTax(swissSeller, { country: 'CH' }, CH).rates).toEqual({
      standard: 810,
      reduced: 260,
      zero: 0,
    });
    expect(determineTax(swissSeller, { country: 'DE' }, CH)).toMatchObject({
      kind: 'seller_outside_eu',
      rateBp: 0,
    });
  });

  it('configured rates never replace an EU rate', () => {
    expect(determineTax(SELLER, { country: 'FR' }, { FR: 100 }).rateBp).toBe(2000);
  });

  it('refuses a configured rate outside 0–10000 basis points', () => {
    expect(() => determineTax(SELLER, { country: 'CH' }, { CH: { standard: 810, reduced: 10_001 } })).toThrow(
      expect.objectContaining({ code: 'invalid_tax' }),
    );
  });
});

describe('tax amounts', () => {
  const de = determineTax(SELLER, { country: 'DE' });

  it('exclusive: 19 % of 9.99 EUR is 1.90 (1.8981 rounded)', () => {
    expect(taxForRate(money(999, 'EUR'), de, false)).toEqual({
      rateBp: 1900,
      taxable: 999,
      amount: 190,
      reverseCharge: false,
      inclusive: false,
    });
  });

  it('inclusive: 119.00 gross contains 19.00 VAT on 100.00 net', () => {
    expect(taxForRate(money(11900, 'EUR'), de, true)).toMatchObject({
      taxable: 10000,
      amount: 1900,
      inclusive: true,
    });
  });

  it('inclusive: 9.99 gross contains 1.60 VAT (1.5950…) on 8.39 net', () => {
    expect(taxForRate(money(999, 'EUR'), de, true)).toMatchObject({ taxable: 839, amount: 160 });
  });

  it('reverse charge computes 0 on the full taxable amount', () => {
    const rc = determineTax(SELLER, { country: 'NL', vatId: 'NL123456789B01' });
    expect(taxForRate(money(10000, 'EUR'), rc, false)).toEqual({
      rateBp: 0,
      taxable: 10000,
      amount: 0,
      reverseCharge: true,
      inclusive: false,
    });
  });

  it('KWD at a configured 5 % keeps three decimals: 5 % of 1.234 KWD = 0.062', () => {
    const kw = determineTax(SELLER, { country: 'KW' }, { KW: 500 });
    expect(taxForRate(money(1234, 'KWD'), kw, false).amount).toBe(62);
  });
});
