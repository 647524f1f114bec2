import iconv from 'iconv-lite';

/** One line of DATEV's CSV: semicolon separated, text in double quotes with inner quotes doubled. */
export function splitDatevLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index];
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        current += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        current += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ';') {
      fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  fields.push(current);
  return fields;
}

export type ParsedDatev = {
  header: string[];
  columns: string[];
  rows: Record<string, string>[];
  lines: string[];
};

/** Reads an EXTF file back: Windows-1252, CR LF lines, header record, column names, one row per booking. */
export function parseDatev(file: Buffer): ParsedDatev {
  const text = iconv.decode(file, 'win1252');
  if (!text.endsWith('\r\n')) throw new Error('A DATEV file ends with CR LF');
  const lines = text.slice(0, -2).split('\r\n');
  if (lines.some((line) => line.includes('\n'))) throw new Error('A bare LF inside a DATEV line');
  const [headerLine, columnLine, ...rowLines] = lines;
  const columns = splitDatevLine(columnLine ?? '');
  const rows = rowLines.map((line) => {
    const fields = splitDatevLine(line);
    if (fields.length !== columns.length)
      throw new Error(`Row has ${fields.length} fields, header ${columns.length}`);
    return Object.fromEntries(columns.map((column, index) => [column, fields[index] ?? '']));
  });
  return { header: splitDatevLine(headerLine ?? ''), columns, rows, lines };
}

/** DATEV's `1.234,56`-free decimal (`22,61`) as minor units. */
export function datevCents(value: string): number {
  const [whole, fraction] = value.split(',');
  return Number(whole) * 100 + Number(fraction);
}
