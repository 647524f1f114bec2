import { createRequire } from 'node:module';

export type ExtractedPdf = { text: string; numpages: number; info: Record<string, unknown> | null };

type PdfParse = (data: Uint8Array) => Promise<ExtractedPdf>;

/**
 * pdf-parse's package entry runs a debug self-test when it thinks it is the main module (under jest it does, and
 * reads a missing sample file); the library file itself has no such side effect.
 */
const pdfParse = createRequire(__filename)('pdf-parse/lib/pdf-parse.js') as PdfParse;

/**
 * The PDF's text as pdf.js reports it: a new line wherever the vertical position changes, adjacent runs on one
 * line joined without a separator.
 */
export async function extractPdfText(pdf: Buffer): Promise<ExtractedPdf> {
  // pdf.js 1.10 reads the whole ArrayBuffer beneath the array, and a small Buffer is a slice of Node's shared
  // pool; a plain Uint8Array copy owns exactly the PDF's bytes.
  return pdfParse(new Uint8Array(pdf));
}
