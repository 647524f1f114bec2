import { z } from 'zod';
import path from 'node:path';
import { ProvisionError, stateDir } from './provision/cache';
import { ensurePostgres } from './provision/postgres';
import { ensureStripeMock } from './provision/stripe-mock';
import { ensureTemporalCli } from './provision/temporal-cli';
import { ensureTestServer } from './provision/test-server';

/**
 * `npm run provision [temporal-cli|test-server|postgres|stripe-mock|all]`: fetches or builds the Temporal binaries into the cache and
 * prints where they are. `npm start` and `npm test` call the same functions; this is for warming a cache.
 */
const log = (line: string) => console.log(`[provision] ${line}`);

async function main(): Promise<void> {
  const what = z
    .enum(['temporal-cli', 'test-server', 'postgres', 'stripe-mock', 'all'])
    .parse(process.argv[2] ?? 'all');
  if (what === 'stripe-mock') {
    // Not part of `all`: only the Stripe adapter's tests need it, and it has no download fallback without Go.
    const stripeMock = await ensureStripeMock(log);
    log(`stripe-mock (${stripeMock.source}): ${stripeMock.path}`);
    return;
  }
  if (what === 'postgres') {
    // A start-and-stop check of the PostgreSQL that `npm start` would use, in its state folder.
    const port = process.env.PG_PORT ? Number(process.env.PG_PORT) : undefined;
    const postgres = await ensurePostgres({
      dataDir: path.join(stateDir(), 'postgres'),
      database: 'perennial',
      port,
    });
    log(`PostgreSQL (${postgres.source}) answers at ${postgres.url}`);
    await postgres.stop();
    return;
  }
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
