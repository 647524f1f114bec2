import {
  EU_VAT_RATE_HISTORY,
  normalizeVatId,
  VAT_ID_FORMATS,
  vatIdPrefixOf,
  vatIdProblem,
  wellFormedVatIdState,
  type EuMemberState,
} from '../../../src/domain';

/** Per member state: its country code, ids of the right shape, and ids one step off it. */
const CASES: [EuMemberState, string[], string[]][] = [
  ['AT', ['ATU12345678', 'ATU 1234 5678'], ['AT12345678', 'ATU1234567', 'ATU123456789', 'ATX12345678']],
  [
    'BE',
    ['BE0123456789', 'BE1234567890', 'BE 0123.456.789'],
    ['BE2123456789', 'BE012345678', 'BE01234567890'],
  ],
  ['BG', ['BG123456789', 'BG1234567890'], ['BG12345678', 'BG12345678901', 'BG12345678A']],
  ['CY', ['CY12345678X', 'CY12345678l'], ['CY123456789', 'CY1234567X', 'CY12345678XX']],
  ['CZ', ['CZ12345678', 'CZ123456789', 'CZ1234567890'], ['CZ1234567', 'CZ12345678901', 'CZ1234567A']],
  ['DE', ['DE123456789', 'de 123 456 789'], ['DE12345678', 'DE1234567890', 'DE12345678A']],
  ['DK', ['DK12345678', 'DK 12 34 56 78'], ['DK1234567', 'DK123456789']],
  ['EE', ['EE123456789'], ['EE12345678', 'EE1234567890']],
  ['GR', ['EL123456789', 'EL 123 456 789'], ['EL12345678', 'EL1234567890', 'GR123456789']],
  ['ES', ['ESX1234567X', 'ESA12345678', 'ES12345678Z'], ['ES123456789', 'ESXX234567X', 'ES1234567']],
  ['FI', ['FI12345678'], ['FI1234567', 'FI123456789']],
  [
    'FR',
    ['FR40303265045', 'FRXX123456789', 'FR 4A 303 265 045'],
    ['FR4030326504', 'FRIO123456789', 'FR403032650456'],
  ],
  ['HR', ['HR12345678901'], ['HR1234567890', 'HR123456789012']],
  ['HU', ['HU12345678'], ['HU1234567', 'HU123456789']],
  [
    'IE',
    ['IE1234567WA', 'IE1234567T', 'IE1X23456T', 'IE1+23456T'],
    ['IE1234567', 'IE12345678T', 'IE1234567ZA'],
  ],
  ['IT', ['IT12345678901'], ['IT1234567890', 'IT123456789012']],
  ['LT', ['LT123456789', 'LT123456789012'], ['LT1234567890', 'LT12345678']],
  ['LU', ['LU12345678'], ['LU1234567', 'LU123456789']],
  ['LV', ['LV12345678901'], ['LV1234567890', 'LV123456789012']],
  ['MT', ['MT12345678'], ['MT1234567', 'MT123456789']],
  ['NL', ['NL123456789B01', 'NL 1234.56.789.B.01'], ['NL123456789', 'NL123456789A01', 'NL12345678B01']],
  ['PL', ['PL1234567890', 'PL 123-456-78-90'], ['PL123456789', 'PL12345678901']],
  ['PT', ['PT123456789'], ['PT12345678', 'PT1234567890']],
  ['RO', ['RO12', 'RO1234567890'], ['RO1', 'RO12345678901', 'RO0123456']],
  ['SE', ['SE123456789001', 'SE 556677-8899 01'], ['SE123456789002', 'SE12345678901', 'SE1234567890011']],
  ['SI', ['SI12345678'], ['SI1234567', 'SI123456789']],
  ['SK', ['SK1234567890'], ['SK123456789', 'SK12345678901']],
];

describe('VAT id formats', () => {
  it('has a format for every member state and for Northern Ireland (XI)', () => {
    const states = Object.keys(EU_VAT_RATE_HISTORY) as EuMemberState[];
    expect(CASES.map(([state]) => state).sort()).toEqual([...states].sort());
    expect(Object.keys(VAT_ID_FORMATS).sort()).toEqual([...states.map(vatIdPrefixOf), 'XI'].sort());
    for (const format of Object.values(VAT_ID_FORMATS)) {
      expect({
        example: format.example,
        ok: format.pattern.test(normalizeVatId(format.example).slice(2)),
      }).toEqual({
        example: format.example,
        ok: true,
      });
    }
  });

  it('normalises the way people write ids: spaces, dots, dashes, lower case', () => {
    expect(normalizeVatId(' fr 40-303.265 045 ')).toBe('FR40303265045');
  });

  describe.each(CASES)('%s', (state, valid, invalid) => {
    it.each(valid)('accepts %s', (vatId) => {
      expect(wellFormedVatIdState(vatId)).toBe(state);
      expect(vatIdProblem(vatId, state)).toBeUndefined();
    });

    it.each(invalid)('refuses %s', (vatId) => {
      expect(wellFormedVatIdState(vatId)).toBeUndefined();
      expect(vatIdProblem(vatId, state)).toEqual(expect.any(String));
    });
  });
});

describe("a party's VAT id for its country", () => {
  it('a party in a member state may give a well-formed id of another member state', () => {
    expect(vatIdProblem('DE123456789', 'AT')).toBeUndefined();
  });

  it('a party in a member state must give an EU id: a bare number or a non-EU prefix is refused with an example', () => {
    expect(vatIdProblem('123456789', 'DE')).toMatch(/member state prefix, e\.g\. DE123456789/);
    expect(vatIdProblem('GB123456789', 'FR')).toMatch(/e\.g\. FRXX123456789/);
    expect(vatIdProblem('XI123456789', 'IE')).toMatch(/member state prefix/);
  });

  it('a Greek party writing GR is told that Greek ids start with EL', () => {
    expect(vatIdProblem('GR123456789', 'GR')).toMatch(/start with EL/);
  });

  it('a malformed id names the shape it should have', () => {
    expect(vatIdProblem('NL123456789', 'NL')).toBe(
      'is not a well-formed NL VAT id: expected NL + 9 digits + B + 2 digits, e.g. NL123456789B01',
    );
  });

  it('Northern Ireland: a UK party may give an XI id, which is then checked; other UK ids pass', () => {
    expect(vatIdProblem('XI123456789', 'GB')).toBeUndefined();
    expect(vatIdProblem('XI123456789012', 'GB')).toBeUndefined();
    expect(vatIdProblem('XIGD123', 'GB')).toBeUndefined();
    expect(vatIdProblem('XI12345678', 'GB')).toMatch(/not a well-formed XI VAT id/);
    expect(vatIdProblem('GB123456789', 'GB')).toBeUndefined();
    // An XI id is a UK registration: it never makes an EU member state.
    expect(wellFormedVatIdState('XI123456789')).toBeUndefined();
  });

  it('tax ids of countries outside the EU have no EU format to check', () => {
    expect(vatIdProblem('CHE-123.456.789 MWST', 'CH')).toBeUndefined();
    expect(vatIdProblem('12-3456789', 'US')).toBeUndefined();
    expect(vatIdProblem('DEL850101AB1', 'MX')).toBeUndefined();
  });
});
