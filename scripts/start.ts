import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import path from 'node:path';
import { startApi } from '../src/api/server';
import { connectClient } from '../src/temporal/connection';
import { gatewayConfigFrom, loadConfig } from '../src/config';
import { createGateway } from '../src/gateways';
import { initOrm } from '../src/db/orm.config';
import { startSmtpCatcher, type SmtpCatcher } from '../src/dev/smtp-catcher';
import { createMailer } from '../src/mail/mailer';
import { createWorker } from '../src/worker';
import { searchAttributeKeys } from '../src/workflows/search-attributes';
import { ensureDevApiKey, ensureDevConsoleUser, ensureDevSecret } from './dev-api-key';
import { ensureDir, stateDir } from './provision/cache';
import { preferredPort } from './provision/ports';
import { ensurePostgres } from './provision/postgres';
import { ensureTemporalCli } from './provision/temporal-cli';

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
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let uiUrl = process.env.TEMPORAL_UI_URL ?? null;
    if (!temporalAddress) {
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
        },
      });
      cleanups.push(() => env.teardown());
      temporalAddress = `127.0.0.1:${port}`;
      uiUrl = `http://127.0.0.1:${uiPort}`;
    }

    const postgres = await ensurePostgres({
      dataDir: path.join(state, 'postgres'),
      database: 'perennial',
      port: await preferredPort(envPort('PG_PORT', 54329)),
      stopOnSignals: false,
    });
    cleanups.push(() => postgres.stop());

    let catcher: SmtpCatcher | null = null;
    if (!process.env.SMTP_URL) {
      catcher = await startSmtpCatcher({
        smtpPort: await preferredPort(envPort('SMTP_PORT', 1025)),
        httpPort: await preferredPort(envPort('SMTP_HTTP_PORT', 1080)),
      });
      const started = catcher;
      cleanups.push(() => started.close());
    }

    const config = loadConfig({
      ...process.env,
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporalAddress,
      SMTP_URL: process.env.SMTP_URL ?? catcher?.smtpUrl,
      SANDBOX_WEBHOOK_SECRET:
        process.env.SANDBOX_WEBHOOK_SECRET ?? (await ensureDevSecret(state, 'sandbox-webhook-secret')),
      PORTAL_LINK_SECRET:
        process.env.PORTAL_LINK_SECRET ?? (await ensureDevSecret(state, 'portal-link-secret')),
      TEMPORAL_UI_URL: process.env.TEMPORAL_UI_URL ?? uiUrl ?? undefined,
    });

    const orm = await initOrm(config.DATABASE_URL);
    cleanups.push(() => orm.close(true));
    const applied = await orm.getMigrator().up();
    if (applied.length) log(`migrations applied: ${applied.map((m) => m.name).join(', ')}`);
    const apiKey = await ensureDevApiKey(orm, state);
    const consoleLogin = await ensureDevConsoleUser(orm, state);

    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
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
      client,
      shutdownGraceMs: 2000,
    });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const api = await startApi(config);
    cleanups.push(() => api.close());

    const port = (api.server.address() as { port: number }).port;
    console.log(
      [
        '',
        'Perennial is running:',
        `  API                 http://localhost:${port}  (health: /healthz, readiness: /readyz)`,
        `  Temporal            ${config.TEMPORAL_ADDRESS}  namespace ${config.TEMPORAL_NAMESPACE}`,
        `  Temporal Web UI     ${uiUrl ?? '(external cluster)'}`,
        `  PostgreSQL          ${postgres.url}`,
        `  SMTP                ${config.SMTP_URL}`,
        `  Captured emails     ${catcher ? `${catcher.httpUrl}/messages` : '(external SMTP server)'}`,
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

void main();
