import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PerennialWorker as Worker } from '../../src/worker';
import type { Express } from 'express';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/provision/ports';
import { createApp } from '../../src/api/app';
import { createApiKey } from '../../src/db/api-keys';
import type { Orm } from '../../src/db/orm.config';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { SandboxGateway } from '../../src/gateways';
import { createLogger } from '../../src/logging';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import type { StormTarget } from './faults';
import { seedSeller } from './lifecycle';
import { bundleWorkflows, startDevServerEnv } from './temporal';
import { createTestWorker, TEST_SANDBOX_WEBHOOK_SECRET } from './workers';

/**
 * A PostgreSQL server of the test's own, on its own data directory and port: the one of jest's global setup serves
 * every other test file at the same time and must never be stopped.
 */
export interface OwnPostgres {
  url: string;
  port: number;
  /** Fast shutdown (SIGINT): open sessions are terminated, as in a crash of the database host's service. */
  stop(): Promise<void>;
  /** Starts again on the same data directory and port, so clients reconnect to the same URL. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const root = path.resolve(__dirname, '..', '..');

interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

async function embedded(dataDir: string, port: number): Promise<RunningPostgres> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/own-postgres.ts', dataDir, String(port)],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{"url":'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`PostgreSQL process exited (${code}): ${stderr}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`PostgreSQL process stopped with ${code}: ${stderr}`);
    },
  };
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perennial-fault-pg-'));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  let running: RunningPostgres | null = await embedded(dataDir, port);
  const url = running.url;
  return {
    url,
    port,
    async stop() {
      await running?.stop();
      running = null;
    },
    async start() {
      running ??= await embedded(dataDir, port);
    },
    async close() {
      await running?.stop();
      running = null;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An SMTP catcher that can go away and come back on the same port, as a relay restarted by its operator does. */
export interface RestartableSmtp {
  smtpUrl: string;
  current(): SmtpCatcher | null;
  stop(): Promise<void>;
  start(): Promise<SmtpCatcher>;
  close(): Promise<void>;
}

export async function startRestartableSmtp(): Promise<RestartableSmtp> {
  const smtpPort = await freePort();
  let catcher: SmtpCatcher | null = await startSmtpCatcher({ smtpPort });
  return {
    smtpUrl: catcher.smtpUrl,
    current: () => catcher,
    async stop() {
      await catcher?.close();
      catcher = null;
    },
    async start() {
      catcher ??= await startSmtpCatcher({ smtpPort });
      return catcher;
    },
    async close() {
      await catcher?.close();
      catcher = null;
    },
  };
}

/**
 * The engine over a database and SMTP relay that the test stops and starts itself: the dev server, one worker in
 * this process, the seller seeded, and the API listening on a real port (so a hang shows as a client timeout, not
 * a stuck promise). The storm and ledger helpers of test/support/faults.ts work on it as on the child-process stack.
 */
export interface InProcessStack extends StormTarget {
  env: TestWorkflowEnvironment;
  mailer: Mailer;
  worker: Worker;
  apiUrl: string;
  apiKey: string;
  close(): Promise<void>;
}

export async function startInProcessStack(orm: Orm, smtpUrl: string): Promise<InProcessStack> {
  const [env, bundle] = await Promise.all([startDevServerEnv(), bundleWorkflows()]);
  await seedSeller(orm);
  const mailer = createMailer(smtpUrl, 'Rösterei Beispiel <billing@example.test>');
  const taskQueue = `faults-${randomBytes(4).toString('hex')}`;
  const worker = await createTestWorker({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    orm,
    mailer,
  });
  const running = worker.run();
  const gateway = new SandboxGateway({ orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
  const app: Express = createApp({
    orm,
    client: env.client,
    logger: createLogger('silent', 'fault-api'),
    config: { TEMPORAL_TASK_QUEUE: taskQueue, RATE_LIMIT_PER_MINUTE: 100_000 },
    gateway,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { secret } = await createApiKey(orm.em.fork(), 'faults');
  return {
    env,
    client: env.client,
    orm,
    gateway,
    mailer,
    worker,
    taskQueue,
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    apiKey: secret,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.shutdown();
      await running;
      mailer.close();
      await env.teardown();
    },
  };
}
