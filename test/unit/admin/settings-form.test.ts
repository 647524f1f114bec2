import type { SettingsResponse } from '../../../src/api/schemas/settings';
import {
  basisPointsOfPercent,
  formatPercent,
  percentInputOf,
  putBodyOf,
  taxRateFieldOf,
} from '../../../src/admin/settings-form';

describe("the console's settings forms", () => {
  test('a percentage typed by an operator becomes basis points from its digits, with either decimal separator', () => {
    expect(
      ['8.1', '8,10', '19', '2.6 %', ' 7.70% ', '0', '100', '0.01', '12.5'].map(basisPointsOfPercent),
    ).toEqual([810, 810, 1900, 260, 770, 0, 10_000, 1, 1250]);
    // Values a float would get wrong come out exact: 0.29 × 100 is 28.999999999999996 in binary floating point.
    expect(basisPointsOfPercent('0.29')).toBe(29);
    expect(basisPointsOfPercent('4.35')).toBe(435);
    // The API judges the range (101 % is refused there, beside the field); the console only reads the number.
    expect(basisPointsOfPercent('101')).toBe(10_100);
  });

  test('anything but a percentage with at most two decimals is not read at all', () => {
    expect(
      ['', '8.123', '-1', '1e2', '8.', '.5', 'abc', '8 1', '1,000.5', '0x10', '1000'].map(
        basisPointsOfPercent,
      ),
    ).toEqual(Array(11).fill(null));
  });

  test('basis points are shown with two decimals in the console user’s language', () => {
    expect(formatPercent(810, 'en')).toBe('8.10%');
    expect(formatPercent(810, 'de')).toBe('8,10\u00a0%');
    expect(formatPercent(10_000, 'en')).toBe('100.00%');
    expect(formatPercent(1, 'en')).toBe('0.01%');
    expect([percentInputOf(810, 'en'), percentInputOf(260, 'de'), percentInputOf(1900, 'en')]).toEqual([
      '8.10',
      '2,60',
      '19.00',
    ]);
    // What is shown in the form reads back as the same rate.
    for (const bp of [0, 1, 29, 435, 810, 10_000])
      expect(basisPointsOfPercent(percentInputOf(bp, 'de'))).toBe(bp);
  });

  test('an API refusal of tax_rates is placed beside the tax form field it names', () => {
    expect(
      ['tax_rates.DE', 'tax_rates.CH.standard', 'tax_rates.CH.reduced', 'tax_rates', 'name', undefined].map(
        taxRateFieldOf,
      ),
    ).toEqual(['country', 'standard', 'reduced', 'country', null, null]);
  });

  test('the PUT body of the stored settings keeps every field the forms do not show', () => {
    const settings: SettingsResponse = {
      object: 'settings',
      name: 'Rösterei',
      address: {
        line1: 'Hauptstraße 1',
        line2: 'Hinterhaus',
        postal_code: '10115',
        city: 'Berlin',
        country: 'DE',
      },
      country: 'DE',
      vat_id: 'DE123456789',
      invoice_prefix: 'INV-',
      time_zone: 'Europe/Berlin',
      default_currency: 'EUR',
      dunning_policy: {
        retry_offsets_days: [2, 4],
        notices: ['payment_failed', 'reminder'],
        final_action: 'pause',
      },
      tax_rates: { CH: { standard: 810, reduced: 260 } },
      notification_email: 'owner@roesterei.example',
      notification_locale: 'de',
      email_sender: { name: 'Rösterei', address: 'billing@roesterei.example' },
      created_at: '2027-01-01T00:00:00.000Z',
      updated_at: '2027-01-01T00:00:00.000Z',
    };
    expect(putBodyOf(settings)).toEqual({
      name: 'Rösterei',
      address: {
        line1: 'Hauptstraße 1',
        line2: 'Hinterhaus',
        postal_code: '10115',
        city: 'Berlin',
        country: 'DE',
      },
      country: 'DE',
      vat_id: 'DE123456789',
      invoice_prefix: 'INV-',
      time_zone: 'Europe/Berlin',
      default_currency: 'EUR',
      dunning_policy: {
        retry_offsets_days: [2, 4],
        notices: ['payment_failed', 'reminder'],
        final_action: 'pause',
      },
      tax_rates: { CH: { standard: 810, reduced: 260 } },
      notification_email: 'owner@roesterei.example',
      notification_locale: 'de',
      email_sender: { name: 'Rösterei', address: 'billing@roesterei.example' },
    });
  });
});
