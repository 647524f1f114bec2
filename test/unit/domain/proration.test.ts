import fc from 'fast-check';
import { DomainError, money, previewChange, prorationLines, unusedCredit } from '../../../src/domain';

const START = '2024-04-01T00:00:00Z';
const END = '2024-05-01T00:00:00Z'; // 30 days = 2_592_000 s
const PERIOD_SECONDS = 2_592_000;

function at(secondsIntoPeriod: number): string {
  return new Date(Date.parse(START) + secondsIntoPeriod * 1000).toISOString();
}

function charge(amount: number, description: string, currency = 'EUR') {
  return { description, amount: money(amount, currency) };
}

describe('proration lines', () => {
  it('an upgrade from 10.00 to 30.00 EUR with 10 of 30 days left credits −3.33 and charges 10.00', () => {
    const lines = prorationLines({
      current: charge(1000, 'Basic'),
      next: charge(3000, 'Pro'),
      periodStart: START,
      periodEnd: END,
      changeAt: '2024-04-21T00:00:00Z',
    });
    expect(lines).toEqual([
      {
        kind: 'proration_credit',
        description: 'Unused time on Basic',
        amount: money(-333, 'EUR'),
        periodStart: '2024-04-21T00:00:00.000Z',
        periodEnd: '2024-05-01T00:00:00.000Z',
      },
      {
        kind: 'proration_charge',
        description: 'Remaining time on Pro',
        amount: money(1000, 'EUR'),
        periodStart: '2024-04-21T00:00:00.000Z',
        periodEnd: '2024-05-01T00:00:00.000Z',
      },
    ]);
  });

  it('rounds each line half away from zero: 0.05 EUR for half a period gives −0.03 and +0.03', () => {
    const lines = prorationLines({
      current: charge(5, 'Old'),
      next: charge(5, 'New'),
      periodStart: START,
      periodEnd: END,
      changeAt: at(PERIOD_SECONDS / 2),
    });
    expect(lines.map((line) => line.amount.amount)).toEqual([-3, 3]);
  });

  it('produces no lines when nothing of the period remains', () => {
    expect(
      prorationLines({
        current: charge(1000, 'A'),
        next: charge(2000, 'B'),
        periodStart: START,
        periodEnd: END,
        changeAt: END,
      }),
    ).toEqual([]);
  });

  it('at the period start credits the full old price and charges the full new price', () => {
    const lines = prorationLines({
      current: charge(1000, 'A'),
      next: charge(2500, 'B'),
      periodStart: START,
      periodEnd: END,
      changeAt: START,
    });
    expect(lines.map((line) => line.amount.amount)).toEqual([-1000, 2500]);
  });

  it('is to the second: one second left of a 30-day period of 2_592_000 JPY is 1 JPY', () => {
    const lines = prorationLines({
      current: charge(0, 'Free', 'JPY'),
      next: charge(2_592_000, 'Pro', 'JPY'),
      periodStart: START,
      periodEnd: END,
      changeAt: at(PERIOD_SECONDS - 1),
    });
    expect(lines.map((line) => line.amount)).toEqual([money(0, 'JPY'), money(1, 'JPY')]);
  });

  it('credit + charge equal (new − old) × remaining/period within one minor unit per line (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: PERIOD_SECONDS }),
        fc.constantFrom('EUR', 'JPY', 'KWD'),
        (oldAmount, newAmount, elapsed, currency) => {
          const lines = prorationLines({
            current: charge(oldAmount, 'old', currency),
            next: charge(newAmount, 'new', currency),
            periodStart: START,
            periodEnd: END,
            changeAt: at(elapsed),
          });
          const remaining = PERIOD_SECONDS - elapsed;
          const net = lines.reduce((acc, line) => acc + line.amount.amount, 0);
          // |net − exact| ≤ 1 per line, compared in integers: |net × period − diff × remaining| ≤ lines × period.
          const error = Math.abs(net * PERIOD_SECONDS - (newAmount - oldAmount) * remaining);
          expect(error).toBeLessThanOrEqual(lines.length * PERIOD_SECONDS);
          expect(lines.length).toBe(remaining === 0 ? 0 : 2);
        },
      ),
    );
  });

  it('rejects a change outside the period and mixed currencies', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof DomainError ? error.code : 'other';
      }
      return undefined;
    };
    const base = { current: charge(1000, 'A'), next: charge(2000, 'B'), periodStart: START, periodEnd: END };
    expect(code(() => prorationLines({ ...base, changeAt: '2024-05-01T00:00:01Z' }))).toBe('invalid_period');
    expect(code(() => prorationLines({ ...base, next: charge(2000, 'B', 'USD'), changeAt: START }))).toBe(
      'currency_mismatch',
    );
  });
});

describe('previewChange', () => {
  const base = {
    periodStart: START,
    periodEnd: END,
    changeAt: '2024-04-16T00:00:00Z', // 15 of 30 days left
  };

  it('defaults an upgrade to immediate with prorations invoiced now', () => {
    const preview = previewChange({ ...base, current: charge(1000, 'Basic'), next: charge(2000, 'Pro') });
    expect(preview.timing).toBe('immediately');
    expect(preview.proration).toBe('always_invoice');
    expect(preview.invoiceNow).toBe(true);
    expect(preview.effectiveAt).toBe('2024-04-16T00:00:00.000Z');
    expect(preview.lines.map((line) => line.amount.amount)).toEqual([-500, 1000]);
  });

  it('defaults a downgrade to the period end with no proration lines', () => {
    const preview = previewChange({ ...base, current: charge(2000, 'Pro'), next: charge(1000, 'Basic') });
    expect(preview).toEqual({
      timing: 'period_end',
      proration: 'none',
      effectiveAt: '2024-05-01T00:00:00.000Z',
      lines: [],
      invoiceNow: false,
    });
  });

  it('an immediate downgrade with create_prorations yields lines for the next invoice, not now', () => {
    const preview = previewChange({
      ...base,
      current: charge(2000, 'Pro'),
      next: charge(1000, 'Basic'),
      timing: 'immediately',
      proration: 'create_prorations',
    });
    expect(preview.lines.map((line) => line.amount.amount)).toEqual([-1000, 500]);
    expect(preview.invoiceNow).toBe(false);
  });

  it('proration none changes immediately without lines', () => {
    const preview = previewChange({
      ...base,
      current: charge(1000, 'A'),
      next: charge(2000, 'B'),
      proration: 'none',
    });
    expect(preview.lines).toEqual([]);
    expect(preview.effectiveAt).toBe('2024-04-16T00:00:00.000Z');
  });

  it('treats a quantity change like a price change: 3 → 5 seats at 8.00 with half the period left charges 20.00, credits 12.00', () => {
    const preview = previewChange({
      ...base,
      current: charge(3 * 800, '3 × Seat'),
      next: charge(5 * 800, '5 × Seat'),
    });
    expect(preview.lines.map((line) => line.amount.amount)).toEqual([-1200, 2000]);
  });
});

describe('unusedCredit', () => {
  it('credits the unused third of a 9.00 EUR period as −3.00', () => {
    expect(unusedCredit(money(900, 'EUR'), START, END, at((PERIOD_SECONDS / 3) * 2))).toEqual(
      money(-300, 'EUR'),
    );
  });
});
