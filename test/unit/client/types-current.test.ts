import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

/** What `npm run client:generate` would write now, from the routes as declared (in a child: the generator is ESM). */
function regenerate(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      ['scripts/generate-client.ts', '--stdout'],
      { cwd: root, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

describe('the TypeScript client', () => {
  test('its committed types are what the generator makes of the current OpenAPI document', async () => {
    const committed = readFileSync(path.join(root, 'clients', 'typescript', 'src', 'schema.ts'), 'utf8');
    const generated = await regenerate();
    // A mismatch means the API changed without `npm run client:generate`; the first differing line says where.
    const committedLines = committed.split('\n');
    const generatedLines = generated.split('\n');
    const first = generatedLines.findIndex((line, index) => line !== committedLines[index]);
    expect({ firstDifferenceAtLine: first === -1 ? null : first + 1, lines: committedLines.length }).toEqual({
      firstDifferenceAtLine: null,
      lines: generatedLines.length,
    });
    expect(committed).toBe(generated);
  });
});
