import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  DomainError,
  periodBounds,
  periodIndexAt,
  reminderAt,
  trialEnd,
  type Interval,
} from '../../../src/domain';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney'] as const;
const MONTHLY: Interval = { unit: 'month', count: 1 };

function local(iso: string, zone: string): DateTime {
  return DateTime.fromISO(iso, { zone });
}

function anchorIn(zone: string, year: number, month: number, day: number, hour = 9, minute = 30): string {
  const value = DateTime.fromObject({ year, month, day, hour, minute }, { zone }).toUTC().toISO();
  if (value === null) throw new Error('bad test anchor');
  return value;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('monthly periods from every anchor day across 2023–2026 (incl. leap 2024) in DST zones', () => {
  for (const zone of ZONES) {
    it(`${zone}: each period starts on min(anchor day, month length) at the anchor's wall time and ends where the next starts`, () => {
      for (let day = 1; day <= 31; day += 1) {
        const anchor = anchorIn(zone, 2023, 1, day);
        for (let index = 0; index < 48; index += 1) {
          const { start, end } = periodBounds(anchor, MONTHLY, index, zone);
          const next = periodBounds(anchor, MONTHLY, index + 1, zone);
          expect(end).toBe(next.start);

          const startLocal = local(start, zone);
          const expectedMonth = DateTime.fromObject({ year: 2023, month: 1, day: 1 }, { zone }).plus({
            months: index,
          });
          expect([startLocal.year, startLocal.month]).toEqual([expectedMonth.year, expectedMonth.month]);
          expect(startLocal.day).toBe(Math.min(day, expectedMonth.daysInMonth ?? 0));
          expect([startLocal.hour, startLocal.minute]).toEqual([9, 30]);
        }
      }
    });
  }

  it('anchor Jan 31 gives Feb 28 → Mar 31 → Apr 30 in 2023 and Feb 29 in leap year 2024', () => {
    const starts = (year: number) =>
      [0, 1, 2, 3].map((i) => periodBounds(`${year}-01-31T00:00:00Z`, MONTHLY, i, 'UTC').start.slice(0, 10));
    expect(starts(2023)).toEqual(['2023-01-31', '2023-02-28', '2023-03-31', '2023-04-30']);
    expect(starts(2024)).toEqual(['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30']);
  });

  it('a yearly anchor on Feb 29 gives Feb 28 in common years and Feb 29 again in 2028', () => {
    const yearly: Interval = { unit: 'year', count: 1 };
    const starts = [0, 1, 2, 3, 4].map((i) => periodBounds('2024-02-29T12:00:00Z', yearly, i).start);
    expect(starts).toEqual([
      '2024-02-29T12:00:00.000Z',
      '2025-02-28T12:00:00.000Z',
      '2026-02-28T12:00:00.000Z',
      '2027-02-28T12:00:00.000Z',
      '2028-02-29T12:00:00.000Z',
    ]);
  });

  it('every 3 months from Nov 30 clamps per period: Nov 30 → Feb 28 → May 30 → Aug 30', () => {
    const quarterly: Interval = { unit: 'month', count: 3 };
    const starts = [0, 1, 2, 3].map((i) =>
      periodBounds('2022-11-30T00:00:00Z', quarterly, i).start.slice(0, 10),
    );
    expect(starts).toEqual(['2022-11-30', '2023-02-28', '2023-05-30', '2023-08-30']);
  });
});

describe('DST', () => {
  it('Europe/Berlin monthly keeps 09:00 local across the March switch: 08:00Z in winter, 07:00Z in summer', () => {
    const anchor = anchorIn('Europe/Berlin', 2024, 1, 15, 9, 0);
    expect(periodBounds(anchor, MONTHLY, 2, 'Europe/Berlin')).toEqual({
      start: '2024-03-15T08:00:00.000Z',
      end: '2024-04-15T07:00:00.000Z',
    });
  });

  it('America/New_York daily period over the November switch lasts 25 hours', () => {
    const daily: Interval = { unit: 'day', count: 1 };
    const anchor = anchorIn('America/New_York', 2024, 11, 1, 0, 0);
    const { start, end } = periodBounds(anchor, daily, 2, 'America/New_York');
    expect(start).toBe('2024-11-03T04:00:00.000Z');
    expect(end).toBe('2024-11-04T05:00:00.000Z');
  });

  it('Australia/Sydney weekly keeps Monday 10:00 local when DST starts on Oct 6 2024', () => {
    const weekly: Interval = { unit: 'week', count: 1 };
    const anchor = anchorIn('Australia/Sydney', 2024, 9, 30, 10, 0);
    expect(periodBounds(anchor, weekly, 0, 'Australia/Sydney')).toEqual({
      start: '2024-09-30T00:00:00.000Z',
      end: '2024-10-06T23:00:00.000Z',
    });
  });

  it('a wall time missing on the spring-forward day moves forward by the gap, and the next day returns to it', () => {
    const daily: Interval = { unit: 'day', count: 1 };
    const anchor = anchorIn('Europe/Berlin', 2024, 3, 30, 2, 30);
    const onSwitch = periodBounds(anchor, daily, 1, 'Europe/Berlin');
    expect(local(onSwitch.start, 'Europe/Berlin').toFormat('yyyy-MM-dd HH:mm')).toBe('2024-03-31 03:30');
    expect(local(onSwitch.end, 'Europe/Berlin').toFormat('yyyy-MM-dd HH:mm')).toBe('2024-04-01 02:30');
  });

  it('periods are contiguous and strictly increasing for any interval, zone and index (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom<Interval['unit']>('day', 'week', 'month', 'year'),
        fc.integer({ min: 1, max: 12 }),
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2030-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 200 }),
        (zone, unit, count, anchorDate, index) => {
          const anchor = anchorDate.toISOString();
          const current = periodBounds(anchor, { unit, count }, index, zone);
          const next = periodBounds(anchor, { unit, count }, index + 1, zone);
          expect(current.end).toBe(next.start);
          expect(Date.parse(current.start)).toBeLessThan(Date.parse(current.end));
        },
      ),
    );
  });
});

describe('periodIndexAt', () => {
  it('finds the period containing the instant, start inclusive and end exclusive (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom<Interval['unit']>('day', 'week', 'month', 'year'),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 5 * 366 * 86_400 }),
        (zone, unit, count, day, offsetSeconds) => {
          const anchor = anchorIn(zone, 2024, 1, day);
          const instant = new Date(Date.parse(anchor) + offsetSeconds * 1000).toISOString();
          const index = periodIndexAt(anchor, { unit, count }, instant, zone);
          const { start, end } = periodBounds(anchor, { unit, count }, index, zone);
          expect(Date.parse(start)).toBeLessThanOrEqual(Date.parse(instant));
          expect(Date.parse(instant)).toBeLessThan(Date.parse(end));
        },
      ),
    );
  });

  it('returns the next index exactly at a period boundary', () => {
    expect(periodIndexAt('2024-01-31T00:00:00Z', MONTHLY, '2024-02-29T00:00:00Z')).toBe(1);
    expect(periodIndexAt('2024-01-31T00:00:00Z', MONTHLY, '2024-02-28T23:59:59Z')).toBe(0);
  });

  it('rejects an instant before the anchor as invalid_period', () => {
    expect(codeOf(() => periodIndexAt('2024-01-31T00:00:00Z', MONTHLY, '2024-01-30T00:00:00Z'))).toBe(
      'invalid_period',
    );
  });
});

describe('trial end and reminders', () => {
  it('a 14-day trial ends at the same Berlin wall time across the March DST switch', () => {
    expect(trialEnd('2024-03-25T09:00:00Z', 14, 'Europe/Berlin')).toBe('2024-04-08T08:00:00.000Z');
  });

  it('the trial-ending reminder 3 days before falls at the same New York wall time across the November switch', () => {
    expect(reminderAt('2024-11-05T15:00:00Z', 3, 'America/New_York')).toBe('2024-11-02T14:00:00.000Z');
  });

  it('rejects instants without an offset, unknown zones, bad intervals and negative indexes', () => {
    expect(codeOf(() => trialEnd('2024-03-25T09:00:00', 1))).toBe('invalid_instant');
    expect(codeOf(() => trialEnd('2024-03-25T09:00:00Z', 1, 'Mars/Olympus'))).toBe('invalid_time_zone');
    expect(codeOf(() => periodBounds('2024-01-01T00:00:00Z', { unit: 'month', count: 0 }, 0))).toBe(
      'invalid_interval',
    );
    expect(codeOf(() => periodBounds('2024-01-01T00:00:00Z', MONTHLY, -1))).toBe('invalid_period');
  });
});
