import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * `npm run bench`: every benchmark in turn, each in a fresh process with its own servers, at sizes that finish in
 * under 10 minutes on 2 idle cores. Each script also runs alone with larger sizes (see bench/README.md).
 */
const runs: [script: string, args: string[]][] = [
  ['renewal-storm.ts', ['--n', '1000']],
  ['activity-cpu.ts', ['--n', '300']],
  ['api.ts', ['--concurrency', '1,10,50', '--duration', '5']],
  ['longevity.ts', ['--years', '10']],
  // With the memory settings whose bound bench/README.md reports ("Sleeping subscriptions").
  ['sleeping.ts', ['--n', '1000', '--cache-mb', '64', '--heap-mb', '256']],
];

function run(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, script), ...args], {
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const failed: string[] = [];
  for (const [script, args] of runs) {
    const began = Date.now();
    console.log(`\n== ${script} ${args.join(' ')}`);
    const code = await run(script, args);
    console.log(`== ${script}: exit ${code} after ${Math.round((Date.now() - began) / 1000)} s`);
    if (code !== 0) failed.push(script);
  }
  if (failed.length) {
    console.error(`failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
