import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { memoryPages, validateXML, type XMLFileInfo } from 'xmllint-wasm';

const ROOT = path.join(__dirname, '..', 'fixtures', 'einvoice-schemas');

function filesIn(folder: string, prefix: string): XMLFileInfo[] {
  return readdirSync(path.join(ROOT, folder))
    .filter((name) => name.endsWith('.xsd'))
    .map((name) => ({
      fileName: `${prefix}${name}`,
      contents: readFileSync(path.join(ROOT, folder, name), 'utf8'),
    }));
}

export type SchemaResult = { valid: boolean; errors: string[] };

async function validate(xml: string, schema: XMLFileInfo, preload: XMLFileInfo[]): Promise<SchemaResult> {
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }],
    schema: [schema],
    preload: preload.filter((file) => file.fileName !== schema.fileName),
    maxMemoryPages: memoryPages.GiB,
  });
  return { valid: result.valid, errors: result.errors.map((error) => error.rawMessage) };
}

/** Against the UN/CEFACT Cross Industry Invoice D16B schema (XRechnung CII, the XML inside ZUGFeRD). */
export async function validateCii(xml: string): Promise<SchemaResult> {
  const files = filesIn('cii-d16b', '');
  const main = files.find((file) => file.fileName === 'CrossIndustryInvoice_100pD16B.xsd');
  if (!main) throw new Error('CII schema missing from test/fixtures/einvoice-schemas');
  return validate(xml, main, files);
}

/** Against the OASIS UBL 2.1 Invoice or CreditNote schema (XRechnung UBL). */
export async function validateUbl(xml: string, document: 'Invoice' | 'CreditNote'): Promise<SchemaResult> {
  const main = filesIn('ubl-2.1/maindoc', 'maindoc/').find(
    (file) => file.fileName === `maindoc/UBL-${document}-2.1.xsd`,
  );
  if (!main) throw new Error(`UBL ${document} schema missing from test/fixtures/einvoice-schemas`);
  return validate(xml, main, filesIn('ubl-2.1/common', 'common/'));
}

/**
 * The XML a ZUGFeRD/Factur-X PDF carries: the stream of its `/Type /EmbeddedFile` object, inflated. Streams are
 * never packed into object streams, so the dictionary is readable in the file as written.
 */
export function embeddedFacturXml(pdf: Buffer): string {
  const text = pdf.toString('latin1');
  const at = text.indexOf('/Type /EmbeddedFile');
  if (at < 0) throw new Error('The PDF embeds no file');
  const streamStart = text.indexOf('stream', at);
  const dictionary = text.slice(at, streamStart);
  const length = Number(/\/Length (\d+)/.exec(dictionary)?.[1]);
  const dataStart = streamStart + 'stream'.length + (text[streamStart + 6] === '\r' ? 2 : 1);
  const data = pdf.subarray(dataStart, dataStart + length);
  return (dictionary.includes('/FlateDecode') ? inflateSync(data) : data).toString('utf8');
}
