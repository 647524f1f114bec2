import fc from 'fast-check';
import {
  EU_STANDARD_VAT_RATES_BP,
  EU_VAT_RATE_HISTORY,
  euVatRatesAt,
  isEuMemberState,
  vatRatesOnDay,
  type EuMemberState,
  type VatRatePeriod,
} from '../../../src/domain';

const STATES = Object.keys(EU_VAT_RATE_HISTORY) as EuMemberState[];

describe('EU VAT rates table', () => {
  it('holds the 27 member states, and only them', () => {
    expect(STATES).toHaveLength(27);
    expect(STATES.every(isEuMemberState)).toBe(true);
    expect(isEuMemberState('GB')).toBe(false);
    expect(isEuMemberState('EL')).toBe(false);
  });

  it('every history starts on 2025-01-01, runs oldest first, and holds sane rates', () => {
    for (const state of STATES) {
      const history: readonly VatRatePeriod[] = EU_VAT_RATE_HISTORY[state];
      expect({ state, first: history[0]?.from }).toEqual({ state, first: '2025-01-01' });
      history.forEach((period, index) => {
        const previous = history[index - 1];
        if (previous) expect(period.from > previous.from).toBe(true);
        expect(period.standardBp).toBeGreaterThanOrEqual(1500);
        expect(period.standardBp).toBeLessThanOrEqual(2700);
        if (period.reducedBp !== null) {
          // Article 98: reduced rates are at least 5 % and below the standard rate; super-reduced ones are not used.
          expect(period.reducedBp).toBeGreaterThanOrEqual(500);
          expect(period.reducedBp).toBeLessThan(period.standardBp);
        }
      });
    }
  });

  it('on 2026-12-02 (the day it was checked) matches the Commission list: standard and main reduced rate', () => {
    const onCheckDay = Object.fromEntries(
      STATES.map((state) => {
        const { standardBp, reducedBp } = euVatRatesAt(state, '2026-12-02T12:00:00Z');
        return [state, [standardBp, reducedBp]];
      }),
    );
    expect(onCheckDay).toEqual({
      AT: [2000, 1000],
      BE: [2100, 600],
      BG: [2000, 900],
      CY: [1900, 500],
      CZ: [2100, 1200],
      DE: [1900, 700],
      DK: [2500, null],
      EE: [2400, 900],
      ES: [2100, 1000],
      FI: [2550, 1350],
      FR: [2000, 550],
      GR: [2400, 1300],
      HR: [2500, 500],
      HU: [2700, 500],
      IE: [2300, 900],
      IT: [2200, 1000],
      LT: [2100, 500],
      LU: [1700, 800],
      LV: [2100, 500],
      MT: [1800, 500],
      NL: [2100, 900],
      PL: [2300, 500],
      PT: [2300, 600],
      RO: [2100, 1100],
      SE: [2500, 600],
      SI: [2200, 950],
      SK: [2300, 500],
    });
    expect(EU_STANDARD_VAT_RATES_BP.DE).toBe(1900);
    expect(EU_STANDARD_VAT_RATES_BP.EE).toBe(2400);
  });

  it.each([
    ['EE', '2025-06-30T12:00:00Z', 2200, 900],
    ['EE', '2025-07-01T12:00:00Z', 2400, 900],
    ['FI', '2025-12-31T12:00:00Z', 2550, 1400],
    ['FI', '2026-01-01T12:00:00Z', 2550, 1350],
    ['SE', '2026-03-31T12:00:00Z', 2500, 1200],
    ['SE', '2026-04-01T12:00:00Z', 2500, 600],
    ['SE', '2027-12-31T12:00:00Z', 2500, 600],
    ['SE', '2028-01-01T12:00:00Z', 2500, 1200],
  ] as const)('%s on %s: standard %i, reduced %i', (state, at, standardBp, reducedBp) => {
    expect(euVatRatesAt(state, at)).toEqual({ standardBp, reducedBp });
  });

  it('reads the day in the member state: 2025-07-31T21:30Z is already August 1 in Bucharest (UTC+3), so 21 %', () => {
    expect(euVatRatesAt('RO', '2025-07-31T20:30:00Z').standardBp).toBe(1900);
    expect(euVatRatesAt('RO', '2025-07-31T21:30:00Z').standardBp).toBe(2100);
  });

  it('a day before the table starts gets its first rates', () => {
    expect(euVatRatesAt('RO', '2019-06-01T12:00:00Z')).toEqual({ standardBp: 1900, reducedBp: 900 });
  });

  it('refuses a malformed day and an empty history', () => {
    expect(() => vatRatesOnDay(EU_VAT_RATE_HISTORY.DE, '2026-1-1')).toThrow(
      expect.objectContaining({ code: 'invalid_tax' }),
    );
    expect(() => vatRatesOnDay([], '2026-01-01')).toThrow(expect.objectContaining({ code: 'invalid_tax' }));
  });
});

describe('rate lookup by day (property)', () => {
  const day = fc
    .date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2035-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString().slice(0, 10));
  const history = fc
    .uniqueArray(
      fc.tuple(day, fc.integer({ min: 1500, max: 2700 }), fc.option(fc.integer({ min: 500, max: 1400 }))),
      {
        minLength: 1,
        maxLength: 6,
        selector: ([from]) => from,
      },
    )
    .map((periods) =>
      periods
        .map(([from, standardBp, reducedBp]): VatRatePeriod => ({ from, standardBp, reducedBp }))
        .sort((a, b) => (a.from < b.from ? -1 : 1)),
    );

  it('is the last period that started on or before the day, or the first when the day precedes them all', () => {
    fc.assert(
      fc.property(history, day, (periods, on) => {
        const started = periods.filter((period) => period.from <= on);
        const expected = started[started.length - 1] ?? periods[0];
        expect(vatRatesOnDay(periods, on)).toEqual({
          standardBp: expected?.standardBp,
          reducedBp: expected?.reducedBp,
        });
      }),
    );
  });

  it('changes only on the days a period starts', () => {
    fc.assert(
      fc.property(history, day, (periods, on) => {
        const next = new Date(`${on}T00:00:00Z`);
        next.setUTCDate(next.getUTCDate() + 1);
        const following = next.toISOString().slice(0, 10);
        if (!periods.some((period) => period.from === following)) {
          expect(vatRatesOnDay(periods, following)).toEqual(vatRatesOnDay(periods, on));
        }
      }),
    );
  });
});
