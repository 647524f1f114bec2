import iconv from 'iconv-lite';
import { DateTime } from 'luxon';
import { currencyExponent } from '../domain/money';
import type { CalendarDate } from '../domain/revenue-recognition';
import { toWinAnsi } from '../documents/pdf-canvas';
import type { ChartOfAccounts } from './accounting-settings';
import type { JournalEntry } from './journal';

/**
 * DATEV's import format ("DATEV-Format", EXTF) for a posting batch ("Buchungsstapel"), header version 700, format
 * version 13, as DATEV documents it (developer.datev.de, DATEV-Format, Header and Buchungsstapel): a CSV file in
 * Windows-1252 with CR LF line ends, fields separated by semicolons, text fields in double quotes (inner quotes
 * doubled), amounts with a decimal comma and no thousands separator. Line 1 is the header record (31 fields),
 * line 2 the column names (125), then one line per booking.
 */

/** The 125 columns of a Buchungsstapel in format version 13, named exactly as DATEV names them. */
export const BUCHUNGSSTAPEL_COLUMNS: readonly string[] = [
  'Umsatz (ohne Soll/Haben-Kz)',
  'Soll/Haben-Kennzeichen',
  'WKZ Umsatz',
  'Kurs',
  'Basis-Umsatz',
  'WKZ Basis-Umsatz',
  'Konto',
  'Gegenkonto (ohne BU-Schlüssel)',
  'BU-Schlüssel',
  'Belegdatum',
  'Belegfeld 1',
  'Belegfeld 2',
  'Skonto',
  'Buchungstext',
  'Postensperre',
  'Diverse Adressnummer',
  'Geschäftspartnerbank',
  'Sachverhalt',
  'Zinssperre',
  'Beleglink',
  ...Array.from({ length: 8 }, (_, i) => [`Beleginfo - Art ${i + 1}`, `Beleginfo - Inhalt ${i + 1}`]).flat(),
  'KOST1 - Kostenstelle',
  'KOST2 - Kostenstelle',
  'Kost-Menge',
  'EU-Land u. UStID (Bestimmung)',
  'EU-Steuersatz (Bestimmung)',
  'Abw. Versteuerungsart',
  'Sachverhalt L+L',
  'Funktionsergänzung L+L',
  'BU 49 Hauptfunktionstyp',
  'BU 49 Hauptfunktionsnummer',
  'BU 49 Funktionsergänzung',
  ...Array.from({ length: 20 }, (_, i) => [
    `Zusatzinformation - Art ${i + 1}`,
    `Zusatzinformation- Inhalt ${i + 1}`,
  ]).flat(),
  'Stück',
  'Gewicht',
  'Zahlweise',
  'Forderungsart',
  'Veranlagungsjahr',
  'Zugeordnete Fälligkeit',
  'Skontotyp',
  'Auftragsnummer',
  'Buchungstyp',
  'USt-Schlüssel (Anzahlungen)',
  'EU-Land (Anzahlungen)',
  'Sachverhalt L+L (Anzahlungen)',
  'EU-Steuersatz (Anzahlungen)',
  'Erlöskonto (Anzahlungen)',
  'Herkunft-Kz',
  'Buchungs GUID',
  'KOST-Datum',
  'SEPA-Mandatsreferenz',
  'Skontosperre',
  'Gesellschaftername',
  'Beteiligtennummer',
  'Identifikationsnummer',
  'Zeichnernummer',
  'Postensperre bis',
  'Bezeichnung SoBil-Sachverhalt',
  'Kennzeichen SoBil-Buchung',
  'Festschreibung',
  'Leistungsdatum',
  'Datum Zuord. Steuerperiode',
  'Fälligkeit',
  'Generalumkehr (GU)',
  'Steuersatz',
  'Land',
  'Abrechnungsreferenz',
  'BVV-Position',
  'EU-Land u. UStID (Ursprung)',
  'EU-Steuersatz (Ursprung)',
  'Abw. Skontokonto',
];

const COLUMN = Object.fromEntries(BUCHUNGSSTAPEL_COLUMNS.map((name, index) => [name, index])) as Record<
  string,
  number
>;

export type DatevHeader = {
  /** When the file is made; DATEV wants it to the millisecond. */
  createdAt: Date;
  consultantNumber: number;
  clientNumber: number;
  fiscalYearStart: CalendarDate;
  accountLength: number;
  from: CalendarDate;
  to: CalendarDate;
  currency: string;
  chart: ChartOfAccounts;
};

export class DatevFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatevFormatError';
  }
}

/** A text field: quoted, inner quotes doubled, no control characters, shortened to DATEV's maximum, Windows-1252. */
function text(value: string, max: number): string {
  const printable = [...value]
    .map((char) => (char.charCodeAt(0) < 0x20 || char === '\u007f' ? ' ' : char))
    .join('');
  const clean = toWinAnsi(printable).slice(0, max);
  return `"${clean.replace(/"/g, '""')}"`;
}

/** Belegfeld 1 takes letters, digits and `$ & % * + - /` only, at most 36 of them. */
function documentField(value: string): string {
  return `"${value.replace(/[^A-Za-z0-9$&%*+\-/]/g, '-').slice(0, 36)}"`;
}

/** Minor units as DATEV's decimal: `2261` EUR → `22,61`; the sign lives in the Soll/Haben-Kennzeichen. */
export function datevAmount(amount: number, currency: string): string {
  const exponent = currencyExponent(currency);
  if (exponent > 2)
    throw new DatevFormatError(`DATEV amounts have two decimals; ${currency} has ${exponent}`);
  const cents = BigInt(Math.abs(amount)) * 10n ** BigInt(2 - exponent);
  if (cents > 999_999_999_999n)
    throw new DatevFormatError(`Amount ${amount} ${currency} exceeds DATEV's 10 digits`);
  const digits = cents.toString().padStart(3, '0');
  return `${digits.slice(0, -2)},${digits.slice(-2)}`;
}

/** A rate in basis points as DATEV's percentage with two decimals: 1900 → `19,00`, 2550 → `25,50`. */
function datevRate(rateBp: number): string {
  const digits = String(rateBp).padStart(3, '0');
  return `${digits.slice(0, -2)},${digits.slice(-2)}`;
}

const compact = (date: CalendarDate) => date.replace(/-/g, '');

/** The header record: 31 fields. */
export function datevHeaderRecord(header: DatevHeader): string {
  const created = DateTime.fromJSDate(header.createdAt, { zone: 'Europe/Berlin' }).toFormat(
    'yyyyMMddHHmmssSSS',
  );
  return [
    '"EXTF"',
    '700',
    '21',
    '"Buchungsstapel"',
    '13',
    created,
    '',
    '"RE"',
    text('Perennial', 25),
    '""',
    String(header.consultantNumber),
    String(header.clientNumber),
    compact(header.fiscalYearStart),
    String(header.accountLength),
    compact(header.from),
    compact(header.to),
    text(`Perennial ${compact(header.from)}-${compact(header.to)}`, 30),
    '"PE"',
    '1',
    '0',
    '0',
    text(header.currency, 3),
    '',
    '""',
    '',
    '',
    header.chart === 'skr03' ? '"03"' : '"04"',
    '',
    '',
    '""',
    '""',
  ].join(';');
}

function row(entry: JournalEntry): string {
  const fields: string[] = BUCHUNGSSTAPEL_COLUMNS.map(() => '');
  const set = (column: string, value: string) => {
    const index = COLUMN[column];
    if (index === undefined) throw new DatevFormatError(`No column ${column}`);
    fields[index] = value;
  };
  set('Umsatz (ohne Soll/Haben-Kz)', datevAmount(entry.amount, entry.currency));
  // The account is debited ("Soll"), the contra account credited.
  set('Soll/Haben-Kennzeichen', '"S"');
  set('WKZ Umsatz', text(entry.currency, 3));
  set('Konto', String(entry.debit));
  set('Gegenkonto (ohne BU-Schlüssel)', String(entry.credit));
  set('Belegdatum', `${entry.date.slice(8, 10)}${entry.date.slice(5, 7)}`);
  set('Belegfeld 1', documentField(entry.documentNumber));
  if (entry.reference) set('Belegfeld 2', documentField(entry.reference));
  set('Buchungstext', text(entry.text, 60));
  if (entry.euDestination) set('EU-Land u. UStID (Bestimmung)', text(entry.euDestination, 15));
  if (entry.euRateBp !== undefined) set('EU-Steuersatz (Bestimmung)', datevRate(entry.euRateBp));
  return fields.join(';');
}

/**
 * The batch as DATEV imports it. Every booking must fall in the header's period (Belegdatum carries day and month
 * only; the year comes from the header), and the period in one fiscal year.
 */
export function renderDatevBuchungsstapel(header: DatevHeader, entries: readonly JournalEntry[]): Buffer {
  for (const entry of entries) {
    if (entry.date < header.from || entry.date > header.to) {
      throw new DatevFormatError(`Booking dated ${entry.date} lies outside ${header.from} – ${header.to}`);
    }
    if (entry.currency !== header.currency) {
      throw new DatevFormatError(`Booking in ${entry.currency} in a ${header.currency} batch`);
    }
  }
  const lines = [datevHeaderRecord(header), BUCHUNGSSTAPEL_COLUMNS.join(';'), ...entries.map(row)];
  return iconv.encode(`${lines.join('\r\n')}\r\n`, 'win1252');
}

/** The first day of the fiscal year a date falls in, for a fiscal year starting in `startMonth`. */
export function fiscalYearStart(date: CalendarDate, startMonth: number): CalendarDate {
  const day = DateTime.fromISO(date, { zone: 'UTC' });
  const year = day.month >= startMonth ? day.year : day.year - 1;
  return DateTime.utc(year, startMonth, 1).toISODate() as CalendarDate;
}

export function datevFilename(from: CalendarDate, to: CalendarDate): string {
  return `EXTF_Buchungsstapel_${compact(from)}_${compact(to)}.csv`;
}
