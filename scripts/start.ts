import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import os from 'node:os';
import path from 'node:path';
import { startApi } from '../src/api/server';
import { connectClient } from '../src/temporal/connection';
import { gatewayConfigFrom, loadConfig, loadEngineSettings } from '../src/config';
import { createGateway } from '../src/gateways';
import { initOrm } from '../src/db/orm.config';
import { startSmtpCatcher, type SmtpCatcher } from '../src/dev/smtp-catcher';
import { createMailer } from '../src/mail/mailer';
import { workflowCacheFor } from '../src/temporal/worker-tuning';
import { createWorker } from '../src/worker';
import { forkWorkerProcesses } from '../src/worker-processes';
import { searchAttributeKeys } from '../src/workflows/search-attributes';
import { ensureDevApiKey, ensureDevConsoleUser, ensureDevSecret } from './dev-api-key';
import { ensureDir, stateDir } from './provision/cache';
import { freeLowPort, preferredPort } from './provision/ports';
import { ensurePostgres, type PostgresHandle } from './provision/postgres';
import { devServerSqliteArgs, ensureTemporalCli } from './provision/temporal-cli';
import {
  ensureTemporalServer,
  ensureTemporalUiServer,
  startTemporalServer,
  TEMPORAL_SERVER_VERSION,
} from './provision/temporal-server';

/**
 * `npm start`: the whole engine on one machine with zero configuration. Every service that an environment variable
 * does not point elsewhere is started here, with its state under the cache folder so a restart resumes.
 */
const log = (line: string) => console.log(`[perennial] ${line}`);
const envPort = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
  // Before anything touches the SDK runtime: keep the console to warnings (the bundler is chatty at INFO).
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const state = await ensureDir(stateDir());
  const cleanups: (() => Promise<void>)[] = [];
  const shutdown = async (code: number) => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => log(`cleanup failed: ${(error as Error).message}`));
    }
    process.exit(code);
  };
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log(`${signal} received, stopping...`);
      void shutdown(0);
    });
  }

  try {
    const settings = loadEngineSettings();
    // First: the Temporal server keeps its own databases on this PostgreSQL.
    const postgres = await ensurePostgres({
      dataDir: path.join(state, 'postgres'),
      database: 'perennial',
      port: await preferredPort(envPort('PG_PORT', 54329)),
      stopOnSignals: false,
    });
    cleanups.push(() => postgres.stop());

    const temporal = process.env.TEMPORAL_ADDRESS
      ? {
          address: process.env.TEMPORAL_ADDRESS,
          uiUrl: process.env.TEMPORAL_UI_URL ?? '(external cluster)',
          kind: 'external cluster',
        }
      : settings.TEMPORAL_BACKEND === 'server'
        ? await startServerBackend(state, postgres, cleanups)
        : await startDevBackend(state, cleanups);

    let catcher: SmtpCatcher | null = null;
    if (!process.env.SMTP_URL) {
      catcher = await startSmtpCatcher({
        smtpPort: await preferredPort(envPort('SMTP_PORT', 1025)),
        httpPort: await preferredPort(envPort('SMTP_HTTP_PORT', 1080)),
        keep: settings.SMTP_CATCHER_KEEP,
      });
      const started = catcher;
      cleanups.push(() => started.close());
    }

    const config = loadConfig({
      ...process.env,
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      SMTP_URL: process.env.SMTP_URL ?? catcher?.smtpUrl,
      SANDBOX_WEBHOOK_SECRET:
        process.env.SANDBOX_WEBHOOK_SECRET ?? (await ensureDevSecret(state, 'sandbox-webhook-secret')),
      PORTAL_LINK_SECRET:
        process.env.PORTAL_LINK_SECRET ?? (await ensureDevSecret(state, 'portal-link-secret')),
      // The console links each subscription's workflow there; the banner's "(not available …)" is no address.
      TEMPORAL_UI_URL:
        process.env.TEMPORAL_UI_URL ?? (temporal.uiUrl.startsWith('http') ? temporal.uiUrl : undefined),
    });

    const orm = await initOrm(config.DATABASE_URL);
    cleanups.push(() => orm.close(true));
    const applied = await orm.getMigrator().up();
    if (applied.length) log(`migrations applied: ${applied.map((m) => m.name).join(', ')}`);
    const apiKey = await ensureDevApiKey(orm, state);
    const consoleLogin = await ensureDevConsoleUser(orm, state);

    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const workflowCache =
      config.WORKER_CACHE_MB === undefined ? undefined : workflowCacheFor(config.WORKER_CACHE_MB);
    cleanups.push(() => connection.close());
    const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM);
    cleanups.push(async () => mailer.close());
    const client = await connectClient(config);
    cleanups.push(() => client.connection.close());
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      orm,
      mailer,
      gateway: createGateway(gatewayConfigFrom(config), { orm }),
      publicUrl: config.PUBLIC_URL,
      portalLinkSecret: config.PORTAL_LINK_SECRET,
      client,
      shutdownGraceMs: 2000,
      workflowCache,
    });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    // One worker runs here beside the API; the others are processes of their own, so every core runs activities.
    const processes = config.WORKER_PROCESSES ?? os.availableParallelism();
    if (processes > 1) {
      const others = forkWorkerProcesses(processes - 1, {
        env: {
          ...process.env,
          DATABASE_URL: config.DATABASE_URL,
          TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
          SMTP_URL: config.SMTP_URL,
          SANDBOX_WEBHOOK_SECRET: config.SANDBOX_WEBHOOK_SECRET,
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
          SHUTDOWN_GRACE_MS: '2000',
        },
        onExit: (child, code, signal) => {
          if (!stopping) log(`worker process ${child.pid} exited (${code ?? signal}); the others go on`);
        },
      });
      cleanups.push(() => others.stop());
    }

    const api = await startApi(config);
    cleanups.push(() => api.close());

    const port = (api.server.address() as { port: number }).port;
    console.log(
      [
        '',
        'Perennial is running:',
        `  API                 http://localhost:${port}  (health: /healthz, readiness: /readyz)`,
        `  Temporal            ${config.TEMPORAL_ADDRESS}  namespace ${config.TEMPORAL_NAMESPACE} (${temporal.kind})`,
        `  Temporal Web UI     ${temporal.uiUrl}`,
        `  PostgreSQL          ${postgres.url}`,
        `  SMTP                ${config.SMTP_URL}`,
        `  Captured emails     ${catcher ? `${catcher.httpUrl}/messages` : '(external SMTP server)'}`,
        `  Workers             ${processes} process${processes === 1 ? '' : 'es'} on task queue ${config.TEMPORAL_TASK_QUEUE}, workflow cache ${
          workflowCache
            ? `${config.WORKER_CACHE_MB} MiB (${workflowCache.maxCachedWorkflows} workflows) each`
            : "the SDK's default"
        }`,
        `  Development API key ${apiKey}`,
        `  Operator console    http://localhost:${port}/admin  (${consoleLogin.email} / ${consoleLogin.password})`,
        `  Customer portal     http://localhost:${port}/portal  (open it with POST /v1/portal_sessions → url)`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error(`[perennial] cannot start: ${error instanceof Error ? error.message : String(error)}`);
    await shutdown(1);
  }
}

interface TemporalEndpoint {
  address: string;
  uiUrl: string;
  kind: string;
}

/** The Temporal CLI's dev server on a SQLite file in the state folder, with its Web UI. */
async function startDevBackend(state: string, cleanups: (() => Promise<void>)[]): Promise<TemporalEndpoint> {
  const cli = await ensureTemporalCli(log);
  const port = await preferredPort(envPort('TEMPORAL_PORT', 7233));
  const uiPort = await preferredPort(envPort('TEMPORAL_UI_PORT', 8233));
  log(`starting Temporal dev server (${cli.source}) on ${port}...`);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli.executable,
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      dbFilename: path.join(state, 'temporal.sqlite'),
      searchAttributes: searchAttributeKeys,
      log: { format: 'pretty', level: 'warn' },
      extraArgs: devServerSqliteArgs(),
    },
  });
  cleanups.push(() => env.teardown());
  return { address: `127.0.0.1:${port}`, uiUrl: `http://127.0.0.1:${uiPort}`, kind: 'dev server, SQLite' };
}

/** The Temporal server on the PostgreSQL above (databases `temporal` and `temporal_visibility`), with its Web UI. */
async function startServerBackend(
  state: string,
  postgres: PostgresHandle,
  cleanups: (() => Promise<void>)[],
): Promise<TemporalEndpoint> {
  const binaries = await ensureTemporalServer(log);
  const ui = await ensureTemporalUiServer(log);
  const uiPort = await preferredPort(envPort('TEMPORAL_UI_PORT', 8233));
  const server = await startTemporalServer({
    binaries,
    postgresUrl: postgres.url,
    dir: path.join(state, 'temporal-server'),
    // Below 32768: the server records its ports in a smallint column.
    port: await preferredPort(envPort('TEMPORAL_PORT', 7233), () => freeLowPort()),
    ...(ui.path ? { ui: { executable: ui.path, port: uiPort } } : {}),
    log,
  });
  cleanups.push(() => server.stop());
  return {
    address: server.address,
    uiUrl: server.uiUrl ?? `(not available: ${ui.path === null ? ui.reason : 'not started'})`,
    kind: `Temporal server ${TEMPORAL_SERVER_VERSION} on PostgreSQL`,
  };
}

void main();
