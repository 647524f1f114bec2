import { DomainError } from './errors';
import { parseInstant } from './instants';

/**
 * VAT rates of the 27 EU member states in basis points (1900 = 19 %), keyed by ISO 3166-1 alpha-2 country code
 * (Greece is GR here; its VAT ids use the prefix EL). Each state has a list of periods, oldest first; a period
 * holds from its `from` date (00:00 in the state's own time zone) until the next period's `from`. A rate change is
 * a new period in this table, never a code change.
 *
 * Source: European Commission, DG TAXUD, "VAT rates applied in the Member States of the European Union" and the
 * Taxes in Europe Database (TEDB), checked on 2026-12-02: the Commission's Access2Markets notices of the changes of
 * 1 January 2024 and 1 January 2025, and the TEDB rates of September 2026 (as republished by the eu-vat-rates-data
 * package, 2026.9.29) for the changes since, including those announced for 2026–2027. Only the mainland rates
 * are kept: the territories with rates of their own (Corsica and the French overseas departments, Madeira and the
 * Azores, some Greek islands, Jungholz and Mittelberg) are not modelled.
 *
 * `standardBp` is the standard rate. `reducedBp` is one rate per state, the state's main reduced rate for goods,
 * chosen by one rule so that anyone can check it: the reduced rate (Article 98, at least 5 %) that the state
 * applies to foodstuffs, the goods the subscription boxes billed here ship most (coffee, tea, meal kits); where
 * basic foodstuffs and other foodstuffs take different reduced rates, the basic-foodstuffs rate, unless that one is
 * a super-reduced rate below 5 %. Where foodstuffs take no reduced rate of at least 5 % (they are taxed at the
 * standard rate, a super-reduced rate or zero: BG, EE, IE, LT, LU, MT), the state's lowest reduced rate is used.
 * Denmark has no reduced rate (`null`): a `reduced` product is taxed at its standard rate there. Super-reduced
 * (below 5 %) and parking rates are never used; a product that needs one, or the other reduced rate of a state
 * (hotels, restaurants, some publications), is outside this model and is billed at the rate of its category.
 *
 * The table starts on 2025-01-01, the day the VAT rates directive (EU) 2022/542 applied in full; an earlier date
 * gets the first period's rates.
 */
export const EU_VAT_RATES_AS_OF = '2026-12-02';
export const EU_VAT_RATES_SOURCE =
  'European Commission, VAT rates applied in the Member States of the European Union (DG TAXUD, TEDB)';

export type VatRatePeriod = {
  /** First calendar day (YYYY-MM-DD) on which the rates apply, in the member state's time zone. */
  from: string;
  standardBp: number;
  /** The state's main reduced rate for goods (the rule above); null where the state has no reduced rate. */
  reducedBp: number | null;
};

const TABLE_START = '2025-01-01';

/** Each line names the rates that were not chosen, so the choice is visible where it is made. */
export const EU_VAT_RATE_HISTORY = {
  // 10 % foodstuffs, books (13 %: plants, culture, hotels; 4.9 %: super-reduced)
  AT: [{ from: TABLE_START, standardBp: 2000, reducedBp: 1000 }],
  // 6 % foodstuffs, books (12 %: restaurants, some energy)
  BE: [{ from: TABLE_START, standardBp: 2100, reducedBp: 600 }],
  // foodstuffs at the standard rate; 9 % (accommodation and a few goods) is the only reduced rate
  BG: [{ from: TABLE_START, standardBp: 2000, reducedBp: 900 }],
  // 5 % foodstuffs, books (9 %: restaurants, hotels, transport; 3 % super-reduced)
  CY: [{ from: TABLE_START, standardBp: 1900, reducedBp: 500 }],
  // 12 %, the single reduced rate since 2024 (foodstuffs, books, medicines)
  CZ: [{ from: TABLE_START, standardBp: 2100, reducedBp: 1200 }],
  // 7 % foodstuffs, books, newspapers
  DE: [{ from: TABLE_START, standardBp: 1900, reducedBp: 700 }],
  // no reduced rate
  DK: [{ from: TABLE_START, standardBp: 2500, reducedBp: null }],
  // foodstuffs at the standard rate; 9 % books, press, medicines (13 %: accommodation); standard 22 % → 24 %
  EE: [
    { from: TABLE_START, standardBp: 2200, reducedBp: 900 },
    { from: '2025-07-01', standardBp: 2400, reducedBp: 900 },
  ],
  // 10 % foodstuffs other than the basic ones, which are super-reduced at 4 %
  ES: [{ from: TABLE_START, standardBp: 2100, reducedBp: 1000 }],
  // 14 % → 13.5 % foodstuffs, restaurants (10 %: newspapers and periodicals)
  FI: [
    { from: TABLE_START, standardBp: 2550, reducedBp: 1400 },
    { from: '2026-01-01', standardBp: 2550, reducedBp: 1350 },
  ],
  // 5.5 % foodstuffs, books (10 %: restaurants, transport; 2.1 % super-reduced)
  FR: [{ from: TABLE_START, standardBp: 2000, reducedBp: 550 }],
  // 13 % most foodstuffs (6 %: medicines, books, press)
  GR: [{ from: TABLE_START, standardBp: 2400, reducedBp: 1300 }],
  // 5 % basic foodstuffs, books (13 %: some other foodstuffs, hotels)
  HR: [{ from: TABLE_START, standardBp: 2500, reducedBp: 500 }],
  // 5 % basic foodstuffs, books (18 %: some dairy and bakery products)
  HU: [{ from: TABLE_START, standardBp: 2700, reducedBp: 500 }],
  // most foodstuffs zero-rated; 9 % newspapers, e-books, catering from 2026-07-01 (13.5 %: fuel, construction)
  IE: [{ from: TABLE_START, standardBp: 2300, reducedBp: 900 }],
  // 10 % foodstuffs other than the basic ones, which are super-reduced at 4 % (5 %: a few goods and services)
  IT: [{ from: TABLE_START, standardBp: 2200, reducedBp: 1000 }],
  // foodstuffs at the standard rate; 5 % medicines, press (the other reduced rate: 9 %, 12 % from 2026)
  LT: [{ from: TABLE_START, standardBp: 2100, reducedBp: 500 }],
  // foodstuffs super-reduced at 3 %; 8 % is the lowest reduced rate (14 % parking rate)
  LU: [{ from: TABLE_START, standardBp: 1700, reducedBp: 800 }],
  // 5 % fresh fruit, berries and vegetables (12 %: baby food, medicines, press, hotels)
  LV: [{ from: TABLE_START, standardBp: 2100, reducedBp: 500 }],
  // foodstuffs zero-rated; 5 % confectionery, books, medical goods (7 %: accommodation)
  MT: [{ from: TABLE_START, standardBp: 1800, reducedBp: 500 }],
  // 9 %, the single reduced rate (foodstuffs, books, medicines)
  NL: [{ from: TABLE_START, standardBp: 2100, reducedBp: 900 }],
  // 5 % basic foodstuffs, books (8 %: other foodstuffs, restaurants, construction)
  PL: [{ from: TABLE_START, standardBp: 2300, reducedBp: 500 }],
  // 6 % basic foodstuffs, books (13 %: restaurants, wine; parking rate 13 %)
  PT: [{ from: TABLE_START, standardBp: 2300, reducedBp: 600 }],
  // 9 % foodstuffs (5 %: books, housing); from 2025-08-01 both merged into 11 %, standard 19 % → 21 %
  RO: [
    { from: TABLE_START, standardBp: 1900, reducedBp: 900 },
    { from: '2025-08-01', standardBp: 2100, reducedBp: 1100 },
  ],
  // 12 % foodstuffs, halved to 6 % from 2026-04-01 to 2027-12-31 (Prop. 2025/26:55); 6 % books, press otherwise
  SE: [
    { from: TABLE_START, standardBp: 2500, reducedBp: 1200 },
    { from: '2026-04-01', standardBp: 2500, reducedBp: 600 },
    { from: '2028-01-01', standardBp: 2500, reducedBp: 1200 },
  ],
  // 9.5 % foodstuffs (5 %: books, press)
  SI: [{ from: TABLE_START, standardBp: 2200, reducedBp: 950 }],
  // 5 % basic foodstuffs, medicines, books since 2025 (19 %: other foodstuffs)
  SK: [{ from: TABLE_START, standardBp: 2300, reducedBp: 500 }],
} as const satisfies Record<string, readonly VatRatePeriod[]>;

export type EuMemberState = keyof typeof EU_VAT_RATE_HISTORY;

/** The zone whose calendar day decides which period applies: a rate changes at local midnight. */
const MEMBER_STATE_TIME_ZONES: Record<EuMemberState, string> = {
  AT: 'Europe/Vienna',
  BE: 'Europe/Brussels',
  BG: 'Europe/Sofia',
  CY: 'Asia/Nicosia',
  CZ: 'Europe/Prague',
  DE: 'Europe/Berlin',
  DK: 'Europe/Copenhagen',
  EE: 'Europe/Tallinn',
  ES: 'Europe/Madrid',
  FI: 'Europe/Helsinki',
  FR: 'Europe/Paris',
  GR: 'Europe/Athens',
  HR: 'Europe/Zagreb',
  HU: 'Europe/Budapest',
  IE: 'Europe/Dublin',
  IT: 'Europe/Rome',
  LT: 'Europe/Vilnius',
  LU: 'Europe/Luxembourg',
  LV: 'Europe/Riga',
  MT: 'Europe/Malta',
  NL: 'Europe/Amsterdam',
  PL: 'Europe/Warsaw',
  PT: 'Europe/Lisbon',
  RO: 'Europe/Bucharest',
  SE: 'Europe/Stockholm',
  SI: 'Europe/Ljubljana',
  SK: 'Europe/Bratislava',
};

export function isEuMemberState(country: string): country is EuMemberState {
  return Object.prototype.hasOwnProperty.call(EU_VAT_RATE_HISTORY, country);
}

export type VatRates = { standardBp: number; reducedBp: number | null };

/**
 * The period of a history in force on a calendar day (YYYY-MM-DD): the last one whose `from` is not after the
 * day; a day before the first period gets the first. ISO dates compare correctly as strings.
 */
export function vatRatesOnDay(history: readonly VatRatePeriod[], day: string): VatRates {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    throw new DomainError('invalid_tax', `Expected a calendar day YYYY-MM-DD, got ${day}`);
  }
  const first = history[0];
  if (first === undefined) throw new DomainError('invalid_tax', 'A rate history needs at least one period');
  let current: VatRatePeriod = first;
  for (const period of history) {
    if (period.from <= day) current = period;
  }
  return { standardBp: current.standardBp, reducedBp: current.reducedBp };
}

/** The rates of a member state at an instant (ISO 8601 with offset), read on the state's own calendar. */
export function euVatRatesAt(country: EuMemberState, at: string): VatRates {
  const day = parseInstant(at, MEMBER_STATE_TIME_ZONES[country]).toISODate();
  if (day === null) throw new DomainError('invalid_instant', `Instant out of range: ${at}`);
  return vatRatesOnDay(EU_VAT_RATE_HISTORY[country], day);
}

/** The instant the table was checked: the default when a caller gives no date. */
export const EU_VAT_RATES_CHECKED_AT = `${EU_VAT_RATES_AS_OF}T12:00:00Z`;

/** Standard rates on the day the table was checked; kept for callers that need the one number per state. */
export const EU_STANDARD_VAT_RATES_BP = Object.fromEntries(
  (Object.keys(EU_VAT_RATE_HISTORY) as EuMemberState[]).map((state) => [
    state,
    euVatRatesAt(state, EU_VAT_RATES_CHECKED_AT).standardBp,
  ]),
) as Record<EuMemberState, number>;
