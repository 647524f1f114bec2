import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import {
  startTemporalServer,
  type TemporalServer,
  type TemporalServerBinaries,
} from '../../scripts/provision/temporal-server';

interface ProvisionedServer extends TemporalServerBinaries {
  uiServer: string | null;
  uiError: string | null;
}

function provisioned(): ProvisionedServer {
  const error = process.env.PERENNIAL_TEST_TEMPORAL_SERVER_ERROR;
  if (error) throw new Error(`the Temporal server could not be provisioned: ${error}`);
  const raw = process.env.PERENNIAL_TEST_TEMPORAL_SERVER;
  if (!raw)
    throw new Error('PERENNIAL_TEST_TEMPORAL_SERVER is not set: integration tests run through global setup');
  return JSON.parse(raw) as ProvisionedServer;
}

/** The Web UI server global setup built, or why there is none. */
export function uiServerExecutable(): string {
  const { uiServer, uiError } = provisioned();
  if (!uiServer) throw new Error(`the Temporal Web UI server could not be provisioned: ${uiError}`);
  return uiServer;
}

/**
 * A Temporal server of the test's own on the PostgreSQL of global setup (two databases of its own, dropped at the
 * end), on a fixed frontend port so that a restart keeps its address.
 */
export interface TestTemporalServer {
  address: string;
  namespace: string;
  /** The cluster's two databases on global setup's PostgreSQL. */
  databases: { main: string; visibility: string };
  uiUrl(): string | null;
  pids(): number[];
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
  /** Starts again on the same databases and port, and resolves once workflows can start. */
  start(): Promise<void>;
  close(): Promise<void>;
}

async function admin(work: (client: PgClient) => Promise<unknown>): Promise<void> {
  const url = process.env.PERENNIAL_TEST_ADMIN_DATABASE_URL;
  if (!url)
    throw new Error(
      'PERENNIAL_TEST_ADMIN_DATABASE_URL is not set: integration tests run through global setup',
    );
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

export async function startTestTemporalServer(
  options: { uiPort?: number } = {},
): Promise<TestTemporalServer> {
  const binaries = provisioned();
  const suffix = randomBytes(5).toString('hex');
  const databases = { main: `temporal_t_${suffix}`, visibility: `temporal_visibility_t_${suffix}` };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perennial-temporal-server-'));
  const adminUrl = process.env.PERENNIAL_TEST_ADMIN_DATABASE_URL ?? '';
  let running: TemporalServer | null = null;
  // Chosen by the first start (which tries other ports if one is taken before the server binds it), kept after.
  let address = '';
  const server: TestTemporalServer = {
    get address() {
      return address;
    },
    namespace: 'default',
    databases,
    uiUrl: () => running?.uiUrl ?? null,
    pids: () => running?.pids() ?? [],
    async start() {
      running = await startTemporalServer({
        binaries,
        postgresUrl: adminUrl,
        databases,
        dir,
        ...(address ? { port: Number(address.split(':')[1]) } : {}),
        ...(options.uiPort ? { ui: { executable: uiServerExecutable(), port: options.uiPort } } : {}),
      });
      address = running.address;
    },
    async stop() {
      const stopping = running;
      running = null;
      await stopping?.stop();
    },
    async close() {
      await server.stop();
      await admin(async (client) => {
        for (const name of [databases.main, databases.visibility])
          await client.query(`drop database if exists "${name}" with (force)`);
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
