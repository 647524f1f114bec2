import { isEuMemberState, type EuMemberState } from './eu-vat-rates';

/**
 * The structure of VAT identification numbers per member state, as the European Commission publishes it for VIES
 * ("VIES VAT number validation", FAQ: format of the VAT numbers), plus XI for traders in Northern Ireland. Only the
 * shape is checked (length, digits, letters at fixed places): check digits differ per state and are VIES's job,
 * behind `VatIdVerifier`. The patterns apply to the id without its prefix, after `normalizeVatId`.
 */
export const VAT_ID_FORMATS = {
  AT: { pattern: /^U\d{8}$/, example: 'ATU12345678', shape: 'ATU + 8 digits' },
  BE: { pattern: /^[01]\d{9}$/, example: 'BE0123456789', shape: 'BE + 10 digits starting with 0 or 1' },
  BG: { pattern: /^\d{9,10}$/, example: 'BG123456789', shape: 'BG + 9 or 10 digits' },
  CY: { pattern: /^\d{8}[A-Z]$/, example: 'CY12345678X', shape: 'CY + 8 digits + 1 letter' },
  CZ: { pattern: /^\d{8,10}$/, example: 'CZ12345678', shape: 'CZ + 8, 9 or 10 digits' },
  DE: { pattern: /^\d{9}$/, example: 'DE123456789', shape: 'DE + 9 digits' },
  DK: { pattern: /^\d{8}$/, example: 'DK12345678', shape: 'DK + 8 digits' },
  EE: { pattern: /^\d{9}$/, example: 'EE123456789', shape: 'EE + 9 digits' },
  EL: { pattern: /^\d{9}$/, example: 'EL123456789', shape: 'EL + 9 digits' },
  ES: {
    pattern: /^([A-Z]\d{7}[A-Z0-9]|\d{8}[A-Z])$/,
    example: 'ESX1234567X',
    shape: 'ES + 9 characters, the first or the last a letter, 7 digits between',
  },
  FI: { pattern: /^\d{8}$/, example: 'FI12345678', shape: 'FI + 8 digits' },
  // The two key characters are digits or letters other than I and O.
  FR: {
    pattern: /^[0-9A-HJ-NP-Z]{2}\d{9}$/,
    example: 'FRXX123456789',
    shape: 'FR + 2 characters (digits or letters but I, O) + 9 digits',
  },
  HR: { pattern: /^\d{11}$/, example: 'HR12345678901', shape: 'HR + 11 digits' },
  HU: { pattern: /^\d{8}$/, example: 'HU12345678', shape: 'HU + 8 digits' },
  IE: {
    pattern: /^(\d{7}[A-W][AH]?|\d[A-Z+*]\d{5}[A-W])$/,
    example: 'IE1234567WA',
    shape: 'IE + 7 digits + 1 or 2 letters, or IE + digit + letter, + or * + 5 digits + letter',
  },
  IT: { pattern: /^\d{11}$/, example: 'IT12345678901', shape: 'IT + 11 digits' },
  LT: { pattern: /^(\d{9}|\d{12})$/, example: 'LT123456789', shape: 'LT + 9 or 12 digits' },
  LU: { pattern: /^\d{8}$/, example: 'LU12345678', shape: 'LU + 8 digits' },
  LV: { pattern: /^\d{11}$/, example: 'LV12345678901', shape: 'LV + 11 digits' },
  MT: { pattern: /^\d{8}$/, example: 'MT12345678', shape: 'MT + 8 digits' },
  NL: { pattern: /^\d{9}B\d{2}$/, example: 'NL123456789B01', shape: 'NL + 9 digits + B + 2 digits' },
  PL: { pattern: /^\d{10}$/, example: 'PL1234567890', shape: 'PL + 10 digits' },
  PT: { pattern: /^\d{9}$/, example: 'PT123456789', shape: 'PT + 9 digits' },
  RO: {
    pattern: /^[1-9]\d{1,9}$/,
    example: 'RO1234567890',
    shape: 'RO + 2 to 10 digits, not starting with 0',
  },
  SE: { pattern: /^\d{10}01$/, example: 'SE123456789001', shape: 'SE + 10 digits + 01' },
  SI: { pattern: /^\d{8}$/, example: 'SI12345678', shape: 'SI + 8 digits' },
  SK: { pattern: /^\d{10}$/, example: 'SK1234567890', shape: 'SK + 10 digits' },
  // Northern Ireland: UK VAT numbers under the EU's rules for goods (Windsor Framework).
  XI: {
    pattern: /^(\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})$/,
    example: 'XI123456789',
    shape: 'XI + 9 or 12 digits, or GD/HA + 3 digits',
  },
} as const satisfies Record<string, { pattern: RegExp; example: string; shape: string }>;

export type VatIdPrefix = keyof typeof VAT_ID_FORMATS;

/** Spaces, dots and dashes are how people write VAT ids, not part of them: "FR 40 303.265-045" → "FR40303265045". */
export function normalizeVatId(vatId: string): string {
  return vatId.replace(/[\s.-]/g, '').toUpperCase();
}

function isVatIdPrefix(prefix: string): prefix is VatIdPrefix {
  return Object.prototype.hasOwnProperty.call(VAT_ID_FORMATS, prefix);
}

/** The VAT id prefix of a member state: its country code, except Greece (GR) whose ids start with EL. */
export function vatIdPrefixOf(state: EuMemberState): VatIdPrefix {
  return state === 'GR' ? 'EL' : state;
}

/** The prefix of a VAT id that is well formed for it (EU member states and XI); undefined otherwise. */
export function wellFormedVatIdPrefix(vatId: string | undefined): VatIdPrefix | undefined {
  if (vatId === undefined) return undefined;
  const normalized = normalizeVatId(vatId);
  const prefix = normalized.slice(0, 2);
  return isVatIdPrefix(prefix) && VAT_ID_FORMATS[prefix].pattern.test(normalized.slice(2))
    ? prefix
    : undefined;
}

/** The member state whose format a VAT id matches, by its prefix; undefined unless the whole id is well formed. */
export function wellFormedVatIdState(vatId: string | undefined): EuMemberState | undefined {
  const prefix = wellFormedVatIdPrefix(vatId);
  const state = prefix === 'EL' ? 'GR' : prefix;
  return state !== undefined && isEuMemberState(state) ? state : undefined;
}

/**
 * Why a party's VAT id is not acceptable for its country, or undefined when it is. A party in a member state must
 * give a well-formed EU VAT id (with any member state's prefix: a business may be registered where it is not
 * seated); a party in the United Kingdom may give an XI id, which must then be well formed. Tax ids of other
 * countries have no EU format to check and pass.
 */
export function vatIdProblem(vatId: string, partyCountry: string): string | undefined {
  const normalized = normalizeVatId(vatId);
  const prefix = normalized.slice(0, 2);
  if (partyCountry === 'GB' && prefix === 'XI') return formatProblem('XI', normalized);
  if (!isEuMemberState(partyCountry)) return undefined;
  if (prefix === 'GR') return 'Greek VAT ids start with EL, not GR (e.g. EL123456789)';
  if (!isVatIdPrefix(prefix) || prefix === 'XI') {
    const own = VAT_ID_FORMATS[vatIdPrefixOf(partyCountry)];
    return `must be an EU VAT id starting with a member state prefix, e.g. ${own.example} (${own.shape})`;
  }
  return formatProblem(prefix, normalized);
}

function formatProblem(prefix: VatIdPrefix, normalized: string): string | undefined {
  const format = VAT_ID_FORMATS[prefix];
  return format.pattern.test(normalized.slice(2))
    ? undefined
    : `is not a well-formed ${prefix} VAT id: expected ${format.shape}, e.g. ${format.example}`;
}
