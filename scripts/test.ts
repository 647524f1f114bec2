import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm test`: the static checks, then every jest project. Jest's global setup provisions the Temporal binaries
 * and PostgreSQL itself (cached), so this is the only command a fresh clone needs after `npm ci`.
 */
const root = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

function step(title: string, command: string, args: string[]): void {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) {
    console.error(`✖ ${title} failed`);
    process.exit(result.status ?? 1);
  }
}

step('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
// The TypeScript client is built as its package builds it (its own compiler options, DOM types, no Node types),
// into a scratch directory so the run leaves nothing behind.
const clientBuild = mkdtempSync(path.join(os.tmpdir(), 'perennial-client-'));
process.on('exit', () => rmSync(clientBuild, { recursive: true, force: true }));
step('client build', bin('tsc'), ['-p', 'clients/typescript/tsconfig.json', '--outDir', clientBuild]);
step('lint', bin('eslint'), ['.']);
step('format', bin('prettier'), ['--check', '.', '--log-level', 'warn']);
// The portal's and console's TSX templates: every dynamic text is escaped (`safe`), or this fails.
step('xss-scan', bin('xss-scan'), ['--simplified']);
// Type-only imports count too: a cycle of types is still two modules that cannot be understood apart.
step('import cycles', bin('madge'), [
  '--circular',
  '--extensions',
  'ts',
  '--no-spinner',
  'src',
  'scripts',
  'bench',
  'migrations',
]);

const reportDir = mkdtempSync(path.join(os.tmpdir(), 'perennial-jest-'));
const report = path.join(reportDir, 'report.json');
console.log('\n▶ jest (unit and integration)');
const jest = spawnSync(bin('jest'), ['--ci', '--json', `--outputFile=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
try {
  const summary = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
  };
  // One plain closing line that any CI reader understands.
  console.log(
    `\n${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${summary.numPendingTests} skipped`,
  );
} catch {
  console.error('jest wrote no report');
} finally {
  rmSync(reportDir, { recursive: true, force: true });
}
process.exit(jest.status ?? 1);
