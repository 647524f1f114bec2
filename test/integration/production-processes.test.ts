import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../scripts/provision/ports';
import { createApiKey } from '../../src/db/api-keys';
import { Invoice } from '../../src/db/entities';
import { fetchCall, subscribeThroughApi } from '../support/api-flow';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startDevServerEnv } from '../support/temporal';

const root = path.resolve(__dirname, '..', '..');

function run(
  script: 'worker' | 'api',
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script === 'worker' ? 'src/worker.ts' : 'src/api/server.ts'],
    {
      cwd: root,
      env,
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('production processes (npm run worker, npm run api)', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let catcher: SmtpCatcher;

  beforeAll(async () => {
    [env, db, catcher] = await Promise.all([startDevServerEnv(), createTestDatabase(), startSmtpCatcher()]);
  });

  afterAll(async () => {
    await Promise.all([env?.teardown(), db?.drop(), catcher?.close()]);
  });

  test('run from environment variables alone, serve a subscription end to end, and stop cleanly on SIGTERM', async () => {
    const apiPort = await freePort();
    const address = env.address;
    const processEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: 'production-processes',
      SMTP_URL: catcher.smtpUrl,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      SHUTDOWN_GRACE_MS: '2000',
      SANDBOX_WEBHOOK_SECRET: 'production-test-sandbox-secret',
      PORTAL_LINK_SECRET: 'production-test-portal-link-secret-0123456789',
    };
    const { secret } = await createApiKey(db.orm.em.fork(), 'production-test');
    const worker = run('worker', processEnv);
    const api = run('api', processEnv);
    const base = `http://127.0.0.1:${apiPort}`;
    try {
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, `the API\n${api.output()}`);
      const { subscription } = await subscribeThroughApi(fetchCall(base, secret));
      // Invoiced and charged by the separate worker process before the API answered.
      expect(subscription).toMatchObject({ status: 'active', live: true });
      const invoices = await db.orm.em.fork().find(Invoice, { subscription: String(subscription.id) });
      expect(invoices.map((invoice) => invoice.status)).toEqual(['paid']);
      await catcher.waitForMessages(2);
    } finally {
      const [workerExit, apiExit] = [exitCode(worker.child), exitCode(api.child)];
      worker.child.kill('SIGTERM');
      api.child.kill('SIGTERM');
      expect(await workerExit).toBe(0);
      expect(await apiExit).toBe(0);
    }
  });
});
