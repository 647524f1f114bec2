import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { buildApiDocument } from '../src/api/openapi-document';

/**
 * `npm run client:generate`: the TypeScript client's types (`clients/typescript/src/schema.ts`) from the OpenAPI
 * document the API serves, built in process (no database, no server). openapi-typescript runs with its defaults,
 * as an integrator running it on `/v1/openapi.json` would. `--stdout` prints instead of writing (the test that
 * keeps the committed file current compares that output); `--check` fails when the committed file is stale.
 */
export const CLIENT_TYPES_PATH = path.resolve(__dirname, '..', 'clients', 'typescript', 'src', 'schema.ts');

export async function generateClientTypes(): Promise<string> {
  const document = buildApiDocument() as unknown as OpenAPI3;
  const nodes = await openapiTS(document, { silent: true });
  return `${COMMENT_HEADER}// Regenerate with \`npm run client:generate\`; a test fails while this file is stale.\n\n${astToString(nodes)}`;
}

async function main(): Promise<void> {
  const generated = await generateClientTypes();
  if (process.argv.includes('--stdout')) {
    process.stdout.write(generated);
  } else if (process.argv.includes('--check')) {
    if (readFileSync(CLIENT_TYPES_PATH, 'utf8') !== generated) {
      console.error(
        `${path.relative(process.cwd(), CLIENT_TYPES_PATH)} is stale: run npm run client:generate`,
      );
      process.exit(1);
    }
  } else {
    writeFileSync(CLIENT_TYPES_PATH, generated);
    console.log(`wrote ${path.relative(process.cwd(), CLIENT_TYPES_PATH)}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
