import { money, toDecimalString } from '../domain/money';

/**
 * CSV as RFC 4180 writes it: a header line, CRLF line ends, fields quoted when they hold a comma, quote or line
 * break (quotes doubled). Text that a spreadsheet would run as a formula (starting with `= + - @`, a tab or a
 * carriage return) is prefixed with an apostrophe, so a customer named "=HYPERLINK(…)" stays text.
 */
export type CsvColumn<T> = { header: string; value: (row: T) => string | number | null; text?: boolean };

function field(value: string | number | null, text: boolean): string {
  if (value === null) return '';
  let cell = String(value);
  if (text && /^[=+\-@\t\r]/.test(cell)) cell = `'${cell}`;
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function toCsv<T>(rows: readonly T[], columns: readonly CsvColumn<T>[]): string {
  const lines = [
    columns.map((column) => field(column.header, true)).join(','),
    ...rows.map((row) => columns.map((column) => field(column.value(row), column.text ?? false)).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** Minor units as an exact decimal string for spreadsheets (`2261` EUR → `22.61`). */
export const decimal = (amount: number, currency: string) => toDecimalString(money(amount, currency));
