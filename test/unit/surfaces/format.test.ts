import { formatFor, negotiateLocale } from '../../../src/surfaces/i18n';

describe('formats of the portal and the console', () => {
  test('money from minor units, exactly, in each language', () => {
    expect(formatFor('de').money(2261, 'EUR')).toBe('22,61\u00a0€');
    expect(formatFor('en').money(2261, 'EUR')).toBe('€22.61');
    expect(formatFor('en').money(1500, 'JPY')).toBe('¥1,500');
    expect(formatFor('de').money(9007199254740991, 'EUR')).toBe('90.071.992.547.409,91\u00a0€');
  });

  test('dates in the given time zone: a UTC midnight is still the previous day in New York', () => {
    expect(formatFor('de', 'UTC').date('2027-02-01T00:00:00.000Z')).toBe('1. Februar 2027');
    expect(formatFor('en', 'America/New_York').date('2027-02-01T00:00:00.000Z')).toBe('January 31, 2027');
    expect(formatFor('en', 'UTC').dateTime('2027-02-01T09:30:00.000Z')).toBe('Feb 1, 2027, 09:30 AM UTC');
  });

  test('a browser language picks the page language before anyone is signed in', () => {
    expect(negotiateLocale('de-DE,de;q=0.9,en;q=0.8')).toBe('de');
    expect(negotiateLocale('fr-FR,en;q=0.5')).toBe('en');
    expect(negotiateLocale(undefined)).toBe('en');
  });
});
