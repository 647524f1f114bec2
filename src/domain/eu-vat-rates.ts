/**
 * Standard VAT rates of the 27 EU member states in basis points (1900 = 19 %), keyed by ISO 3166-1
 * alpha-2 country code (Greece is GR here; its VAT ids use the prefix EL).
 *
 * Source: European Commission, "VAT rates applied in the Member States of the European Union"
 * (DG TAXUD, https://taxation-customs.ec.europa.eu/taxation/vat/vat-directive/vat-rates_en) and the
 * Taxes in Europe Database, including the changes that took effect in 2024–2025: FI 25.5 % from
 * 2024-09-01, SK 23 % from 2025-01-01, EE 24 % from 2025-07-01, RO 21 % from 2025-08-01.
 * Rates change: update this table and EU_VAT_RATES_AS_OF together.
 */
export const EU_VAT_RATES_AS_OF = '2025-08-01';
export const EU_VAT_RATES_SOURCE =
  'European Commission, VAT rates applied in the Member States of the European Union (DG TAXUD, TEDB)';

export const EU_STANDARD_VAT_RATES_BP = {
  AT: 2000,
  BE: 2100,
  BG: 2000,
  CY: 1900,
  CZ: 2100,
  DE: 1900,
  DK: 2500,
  EE: 2400,
  ES: 2100,
  FI: 2550,
  FR: 2000,
  GR: 2400,
  HR: 2500,
  HU: 2700,
  IE: 2300,
  IT: 2200,
  LT: 2100,
  LU: 1700,
  LV: 2100,
  MT: 1800,
  NL: 2100,
  PL: 2300,
  PT: 2300,
  RO: 2100,
  SE: 2500,
  SI: 2200,
  SK: 2300,
} as const satisfies Record<string, number>;

export type EuMemberState = keyof typeof EU_STANDARD_VAT_RATES_BP;

export function isEuMemberState(country: string): country is EuMemberState {
  return Object.prototype.hasOwnProperty.call(EU_STANDARD_VAT_RATES_BP, country);
}
