import PDFDocument from 'pdfkit';
import { intlLocale, type DocumentLocale } from './format';

/** Characters WinAnsiEncoding places in 0x80–0x9F; with ASCII and Latin-1 they are all Helvetica can show. */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const NO_DECOMPOSITION: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', ı: 'i', Ħ: 'H', ħ: 'h' };

function isWinAnsi(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRAS.has(char);
}

/**
 * pdfkit writes characters outside WinAnsi as garbage with the built-in fonts. Names like "Łódź" or "Dvořák"
 * are degraded to their closest Latin letters instead (NFKD drops the accents), and anything else, such as CJK,
 * becomes "?". Embedding a Unicode font would lift this; it is not done to keep the PDF free of font files.
 */
export function toWinAnsi(text: string): string {
  let result = '';
  for (const char of text.replace(/[\u202f\u2009\u2007]/g, '\u00a0')) {
    if (isWinAnsi(char)) {
      result += char;
      continue;
    }
    const fallback =
      NO_DECOMPOSITION[char] ??
      char
        .normalize('NFKD')
        .replace(/\p{M}/gu, '')
        .split('')
        .map((part) => (isWinAnsi(part) ? part : '?'))
        .join('');
    result += /\s/.test(char) ? ' ' : fallback;
  }
  return result;
}

/** A4 in PDF points, with the margin every Perennial document keeps. */
export const PAGE = { margin: 50, width: 595.28, height: 841.89 };

export type WriteOptions = PDFKit.Mixins.TextOptions & { bold?: boolean; size?: number; color?: string };

export interface PdfCanvas {
  doc: PDFKit.PDFDocument;
  /** Writes text in the built-in Helvetica (degraded to WinAnsi), answering the y below it. */
  write: (text: string, x: number, y: number, options?: WriteOptions) => number;
  /** Ends the document and answers its bytes. */
  finish: () => Promise<Buffer>;
}

/** One A4 document with its metadata (title, author, subject, date) set as PDF/UA readers expect them. */
export function openPdfCanvas(meta: {
  locale: DocumentLocale;
  title: string;
  author: string;
  subject: string;
  createdAt: string;
}): PdfCanvas {
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    bufferPages: true,
    lang: intlLocale(meta.locale),
    displayTitle: true,
    info: {
      Title: toWinAnsi(meta.title),
      Author: toWinAnsi(meta.author),
      Subject: toWinAnsi(meta.subject),
      CreationDate: new Date(meta.createdAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const write = (text: string, x: number, y: number, options: WriteOptions = {}): number => {
    const { bold, size, color, ...textOptions } = options;
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(size ?? 10)
      .fillColor(color ?? '#000000');
    doc.text(toWinAnsi(text), x, y, { lineBreak: true, ...textOptions });
    return doc.y;
  };
  const finish = () => {
    doc.end();
    return done;
  };
  return { doc, write, finish };
}
