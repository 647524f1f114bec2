import { z } from 'zod';
import { ProvisionError } from './provision/cache';
import { ensureTemporalCli } from './provision/temporal-cli';
import { ensureTestServer } from './provision/test-server';

/**
 * `npm run provision [temporal-cli|test-server|all]`: fetches or builds the Temporal binaries into the cache and
 * prints where they are. `npm start` and `npm test` call the same functions; this is for warming a cache.
 */
const log = (line: string) => console.log(`[provision] ${line}`);

async function main(): Promise<void> {
  const what = z.enum(['temporal-cli', 'test-server', 'all']).parse(process.argv[2] ?? 'all');
  if (what !== 'test-server') {
    const cli = await ensureTemporalCli(log);
    log(`temporal CLI (${cli.source}): ${JSON.stringify(cli.executable)}`);
  }
  if (what !== 'temporal-cli') {
    const server = await ensureTestServer(log);
    log(`time-skipping test server (${server.source}): ${JSON.stringify(server.executable)}`);
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ProvisionError ? error.message : error instanceof Error ? error.stack : error,
  );
  process.exit(1);
});
