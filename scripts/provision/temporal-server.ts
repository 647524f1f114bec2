import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { ensureSearchAttributes, searchAttributesProbeQuery } from '../../src/temporal/search-attributes';
import { ensureDir, ProvisionError } from './cache';
import { ensureGoBinary, type GoBinarySpec } from './go-binary';
import { freeLowPort } from './ports';
import { run } from './run';

/**
 * The Temporal server itself (frontend, history, matching and worker services in one process) on PostgreSQL, as
 * production deployments run it, beside the dev server. v1.29.1 is the newest tag whose module has no `replace`
 * directive and that the Go on these machines builds; the Web UI comes from the ui-server module that the dev
 * server's own CLI build embeds (v2.42.1 for CLI v1.5.1), which, unlike the CLI, attaches to any frontend.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';

/** Fixed when a cluster's database is first set up: the server refuses to start on a different count later. */
export const HISTORY_SHARDS = 4;

const serverSpec: GoBinarySpec = {
  envVariable: 'TEMPORAL_SERVER_PATH',
  goPackage: 'go.temporal.io/server/cmd/server',
  version: TEMPORAL_SERVER_VERSION,
  binaryName: 'server',
  cacheName: 'temporal-server',
  title: 'Temporal server',
};
const sqlToolSpec: GoBinarySpec = {
  envVariable: 'TEMPORAL_SQL_TOOL_PATH',
  goPackage: 'go.temporal.io/server/cmd/tools/sql',
  version: TEMPORAL_SERVER_VERSION,
  binaryName: 'sql',
  cacheName: 'temporal-sql-tool',
  title: 'Temporal SQL schema tool',
};
const uiServerSpec: GoBinarySpec = {
  envVariable: 'TEMPORAL_UI_SERVER_PATH',
  goPackage: 'github.com/temporalio/ui-server/v2/cmd/server',
  version: TEMPORAL_UI_SERVER_VERSION,
  binaryName: 'server',
  cacheName: 'temporal-ui-server',
  title: 'Temporal Web UI server',
};

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

async function required(spec: GoBinarySpec, log: (line: string) => void): Promise<string> {
  const found = await ensureGoBinary(spec, log);
  if (found.path !== null) return found.path;
  throw new ProvisionError(
    `Cannot provision the ${spec.title}: set ${spec.envVariable} to its binary, or install Go so that ` +
      `"go install ${spec.goPackage}@${spec.version}" can build it (Temporal publishes no SDK download of it).`,
  );
}

/** The server and its schema tool: the variables if set, else the cached builds, else `go install` (once). */
export async function ensureTemporalServer(
  log: (line: string) => void = () => {},
): Promise<TemporalServerBinaries> {
  // One after the other: the second build reuses the first one's compiled packages from Go's build cache.
  const server = await required(serverSpec, log);
  const sqlTool = await required(sqlToolSpec, log);
  return { server, sqlTool };
}

/** The Web UI server, or why there is none (the engine runs without it). */
export async function ensureTemporalUiServer(
  log: (line: string) => void = () => {},
): Promise<{ path: string } | { path: null; reason: string }> {
  try {
    return { path: await required(uiServerSpec, log) };
  } catch (error) {
    return { path: null, reason: error instanceof Error ? error.message : String(error) };
  }
}

export interface TemporalServerOptions {
  binaries: TemporalServerBinaries;
  /** Any database of the PostgreSQL server the Temporal databases live on; its role must be able to create them. */
  postgresUrl: string;
  /** The two databases of this cluster, created when missing (default `temporal` and `temporal_visibility`). */
  databases?: { main: string; visibility: string };
  /** Where the generated configuration and the server's log go. */
  dir: string;
  /** Frontend gRPC port (default: a free one). */
  port?: number;
  namespace?: string;
  /** Starts the Web UI server on this port, attached to this cluster's frontend. */
  ui?: { executable: string; port: number };
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  log?: (line: string) => void;
}

export interface TemporalServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  /** Operating-system processes, for memory readings: the server first, then the Web UI if any. */
  pids(): number[];
  /** The server's log file (its own output, for diagnosis). */
  logFile: string;
  stop(): Promise<void>;
}

interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

function targetOf(url: string): PostgresTarget {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

async function withPg<T>(url: string, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function ensureDatabases(url: string, names: string[]): Promise<void> {
  await withPg(url, async (client) => {
    for (const name of names) {
      const found = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`create database "${name}"`);
    }
  });
}

/**
 * The schema through the server's own tool, from the schema files compiled into it (`--schema-name`): version
 * tables first (a no-op once they exist), then every versioned step the database lacks, so this runs on every start.
 */
async function ensureSchema(sqlTool: string, target: PostgresTarget, database: string, schema: string) {
  const env = {
    ...process.env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: target.host,
    SQL_PORT: String(target.port),
    SQL_USER: target.user,
    SQL_PASSWORD: target.password,
    SQL_DATABASE: database,
  };
  await run(sqlTool, ['setup-schema', '-v', '0.0'], { env, timeoutMs: 120_000 });
  await run(sqlTool, ['update-schema', '--schema-name', `postgresql/v12/${schema}`], {
    env,
    timeoutMs: 300_000,
  });
}

function datastore(target: PostgresTarget, database: string, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName: database,
      connectAddr: `${target.host}:${target.port}`,
      connectProtocol: 'tcp',
      user: target.user,
      password: target.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

const service = (grpcPort: number, membershipPort: number, httpPort?: number) => ({
  rpc: {
    grpcPort,
    membershipPort,
    bindOnIP: '127.0.0.1',
    ...(httpPort ? { httpPort } : {}),
  },
});

/**
 * Dynamic configuration the engine relies on, stated rather than left to defaults that a server upgrade could change:
 * updates (every command is one) and Update-with-Start (subscription creation).
 */
const dynamicConfig = {
  'frontend.enableUpdateWorkflowExecution': [{ value: true, constraints: {} }],
  'frontend.enableExecuteMultiOperation': [{ value: true, constraints: {} }],
};

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopProcess(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited(child);
  clearTimeout(killer);
}

/**
 * Spawns a Go service with its output appended to a log file, keeping the tail for error messages and whether it
 * failed to bind a port (its Go stack trace pushes that line out of the tail).
 */
function spawnLogged(executable: string, args: string[], logFile: string) {
  const child = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const file = createWriteStream(logFile, { flags: 'a' });
  let tail = '';
  let portTaken = false;
  const keep = (chunk: Buffer) => {
    file.write(chunk);
    const text = tail.slice(-200) + chunk.toString();
    portTaken ||= /bind: address already in use/.test(text);
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => file.end());
  // 'close' comes after the last output, which can follow 'exit'.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, tail: () => tail, portTaken: async () => (await closed, portTaken) };
}

/** The server could not bind a port chosen free a moment before: another process took it in between. */
class PortTakenError extends ProvisionError {}

async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs: number,
  failed: () => string | null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    const failure = failed();
    if (failure) throw new ProvisionError(`${what}: ${failure}`);
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new ProvisionError(
        `timed out after ${timeoutMs} ms waiting for ${what}` +
          (last instanceof Error ? ` (last error: ${last.message})` : ''),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const isNotFound = (error: unknown) => (error as { code?: number }).code === 5;

/** The namespace and the search attributes, each registered once; resolves once workflows can use them. */
async function registerNamespaceAndAttributes(
  connection: Connection,
  namespace: string,
  log: (line: string) => void,
  serverDied: () => string | null,
): Promise<void> {
  try {
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('3 days'),
      });
      log(`registered namespace ${namespace}`);
    }
    await waitFor(
      async () => {
        await connection.workflowService.countWorkflowExecutions({ namespace, query: '' });
        return true;
      },
      `namespace ${namespace}`,
      60_000,
      serverDied,
    );
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length) log(`registered search attributes ${added.join(', ')}`);
    // The frontend validates queries and new workflows' attributes against its namespace cache (refreshed every
    // 2 s): once this query is accepted, so are workflows that set them.
    await waitFor(
      async () => {
        await connection.workflowService.countWorkflowExecutions({
          namespace,
          query: searchAttributesProbeQuery(),
        });
        return true;
      },
      'the search attributes to be usable',
      60_000,
      serverDied,
    );
  } finally {
    await connection.close();
  }
}

/**
 * Starts the Temporal server on PostgreSQL: databases and schema ensured, configuration generated into `dir`, the
 * namespace and Perennial's search attributes registered (once; a restart finds them), then the Web UI if asked.
 * Resolves once a client can start workflows with those attributes.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const log = options.log ?? (() => {});
  const namespace = options.namespace ?? 'default';
  const databases = options.databases ?? { main: 'temporal', visibility: 'temporal_visibility' };
  const target = targetOf(options.postgresUrl);
  const dir = await ensureDir(options.dir);
  const configDir = await ensureDir(path.join(dir, 'config'));

  await ensureDatabases(options.postgresUrl, [databases.main, databases.visibility]);
  await ensureSchema(options.binaries.sqlTool, target, databases.main, 'temporal');
  await ensureSchema(options.binaries.sqlTool, target, databases.visibility, 'visibility');
  // Members of an earlier run (other ports, a process that is gone) would be tried as ring seeds first.
  const mainUrl = new URL(options.postgresUrl);
  mainUrl.pathname = `/${databases.main}`;
  await withPg(mainUrl.toString(), (client) => client.query('delete from cluster_membership'));

  // Ports are chosen free, then bound by the server seconds later; a process that takes one in between (parallel
  // tests do) makes the server exit, and a start on other ports succeeds.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(options, { dir, configDir, namespace, target, databases, log });
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 3) throw error;
      log(
        `a port was taken before the Temporal server bound it; starting again on other ports` +
          (options.port ? ` (the frontend keeps ${options.port})` : ''),
      );
      await withPg(mainUrl.toString(), (client) => client.query('delete from cluster_membership'));
    }
  }
}

async function launch(
  options: TemporalServerOptions,
  setup: {
    dir: string;
    configDir: string;
    namespace: string;
    target: ReturnType<typeof targetOf>;
    databases: { main: string; visibility: string };
    log: (line: string) => void;
  },
): Promise<TemporalServer> {
  const { dir, configDir, namespace, target, databases, log } = setup;
  // One after the other, so that no two services are handed the same port.
  const taken = new Set<number>();
  const port = options.port ?? (await freeLowPort(taken));
  // A given port is free while the server is stopped: no internal service may draw it.
  taken.add(port);
  const ports: number[] = [];
  for (let i = 0; i < 8; i++) ports.push(await freeLowPort(taken));
  const [frontendMembership, frontendHttp, history, historyMembership, matching, matchingMembership] = ports;
  const [worker, workerMembership] = ports.slice(6);
  const logFile = path.join(dir, 'temporal-server.log');
  const dynamicConfigFile = path.join(configDir, 'dynamicconfig.yaml');
  // YAML is a superset of JSON: the server's loader reads these as they are.
  await writeFile(dynamicConfigFile, `${JSON.stringify(dynamicConfig, null, 2)}\n`);
  const config = {
    log: { stdout: true, level: options.logLevel ?? 'warn', format: 'console' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(target, databases.main, 20),
        'postgres-visibility': datastore(target, databases.visibility, 10),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(port, frontendMembership as number, frontendHttp),
      history: service(history as number, historyMembership as number),
      matching: service(matching as number, matchingMembership as number),
      worker: service(worker as number, workerMembership as number),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${port}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
  await writeFile(path.join(configDir, 'perennial.yaml'), `${JSON.stringify(config, null, 2)}\n`);

  const address = `127.0.0.1:${port}`;
  log(
    `starting Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL (${databases.main}) at ${address}...`,
  );
  const server = spawnLogged(
    options.binaries.server,
    ['--root', dir, '--config', 'config', '--env', 'perennial', '--allow-no-auth', 'start'],
    logFile,
  );
  let ui: ReturnType<typeof spawnLogged> | null = null;
  const handle: TemporalServer = {
    address,
    namespace,
    uiUrl: null,
    logFile,
    pids: () => [server.child.pid, ui?.child.pid].filter((pid): pid is number => typeof pid === 'number'),
    async stop() {
      await stopProcess(ui?.child ?? null);
      await stopProcess(server.child);
    },
  };
  const serverDied = () =>
    server.child.exitCode !== null || server.child.signalCode !== null
      ? `the server exited (${server.child.exitCode ?? server.child.signalCode}); its log ${logFile} ends:\n${server.tail()}`
      : null;

  try {
    let connection: Connection | null = null;
    await waitFor(
      async () => {
        const candidate = await Connection.connect({ address, connectTimeout: 2000 });
        try {
          await candidate.workflowService.getSystemInfo({});
        } catch (error) {
          await candidate.close();
          throw error;
        }
        connection = candidate;
        return true;
      },
      `the Temporal server's frontend on ${address}`,
      120_000,
      serverDied,
    );
    await registerNamespaceAndAttributes(connection as unknown as Connection, namespace, log, serverDied);
    // Another cluster's frontend on a port ours failed to bind would have answered the checks above.
    const died = serverDied();
    if (died) throw new ProvisionError(`the Temporal server on ${address}: ${died}`);
    if (options.ui) {
      const uiDir = await ensureDir(path.join(dir, 'ui', 'config'));
      await writeFile(
        path.join(uiDir, 'perennial.yaml'),
        `${JSON.stringify(
          {
            temporalGrpcAddress: address,
            host: '127.0.0.1',
            port: options.ui.port,
            enableUi: true,
            defaultNamespace: namespace,
            notifyOnNewVersion: false,
            refreshInterval: '1m',
            cors: { allowOrigins: [], unsafeAllowAllOrigins: false, cookieInsecure: true },
          },
          null,
          2,
        )}\n`,
      );
      const uiLog = path.join(dir, 'temporal-ui.log');
      const started = spawnLogged(
        options.ui.executable,
        ['--root', path.join(dir, 'ui'), '--config', 'config', '--env', 'perennial', 'start'],
        uiLog,
      );
      ui = started;
      const uiUrl = `http://127.0.0.1:${options.ui.port}`;
      await waitFor(
        async () => (await fetch(uiUrl)).status === 200,
        `the Temporal Web UI on ${uiUrl}`,
        60_000,
        () =>
          started.child.exitCode !== null
            ? `the Web UI server exited (${started.child.exitCode}): ${started.tail()}`
            : null,
      );
      handle.uiUrl = uiUrl;
    }
    return handle;
  } catch (error) {
    await handle.stop();
    if (await server.portTaken())
      throw new PortTakenError(error instanceof Error ? error.message : String(error));
    throw error;
  }
}
