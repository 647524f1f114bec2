import {
  determineTax,
  EU_STANDARD_VAT_RATES_BP,
  money,
  REVERSE_CHARGE_NOTE,
  taxForRate,
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
      reverseCharge: false,
    });
    expect(determineTax(SELLER, { country: 'DE', vatId: 'DE999999999' }).rateBp).toBe(1900);
  });

  it("EU B2C: a French consumer pays the customer country's rate, 20 %", () => {
    expect(determineTax(SELLER, { country: 'FR' })).toEqual({
      kind: 'eu_b2c',
      rateBp: 2000,
      reverseCharge: false,
    });
  });

  it('EU B2B: a French business with a VAT id gets reverse charge at 0 % with the legal note', () => {
    expect(determineTax(SELLER, { country: 'FR', vatId: 'FR 40 303 265 045' })).toEqual({
      kind: 'eu_reverse_charge',
      rateBp: 0,
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
