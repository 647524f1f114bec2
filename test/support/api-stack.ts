import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AppDeps } from '../../src/api/app';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import type { SandboxGateway } from '../../src/gateways';
import { createMailer } from '../../src/mail/mailer';
import { createTestApi } from './api';
import { createTestDatabase, type TestDatabase } from './database';
import { bundleWorkflows, startDevServerEnv } from './temporal';
import { createTestWorker } from './workers';

/**
 * The real API with a real worker behind it: dev server, PostgreSQL, SMTP catcher (the API's mailer sends there too),
 * sandbox gateway (`gateway` emits its signed webhooks).
 */
export interface ApiStack {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  catcher: SmtpCatcher;
  app: Express;
  auth: Record<string, string>;
  gateway: SandboxGateway;
  /** The task queue of the stack's worker. */
  taskQueue: string;
  /** Where the app listens, when started with `listen` (a browser needs a real address). */
  url: string | null;
  close(): Promise<void>;
}

export const TEST_PORTAL_LINK_SECRET = 'test-portal-link-secret-0123456789abcdef';

export interface ApiStackOptions {
  /** Serve the app on a free loopback port; its `PUBLIC_URL` becomes that address. */
  listen?: boolean;
  config?: Partial<AppDeps['config']>;
}

export async function startApiStack(name: string, options: ApiStackOptions = {}): Promise<ApiStack> {
  const [env, db, catcher, bundle] = await Promise.all([
    startDevServerEnv(),
    createTestDatabase(),
    startSmtpCatcher(),
    bundleWorkflows(),
  ]);
  const mailer = createMailer(catcher.smtpUrl, 'Perennial <billing@example.test>');
  const taskQueue = `${name}-${randomBytes(4).toString('hex')}`;
  let server: Server | null = null;
  let url: string | null = null;
  if (options.listen) {
    server = createServer();
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(listening.address() as { port: number }).port}`;
  }
  // The emails' portal links are signed as in production, and lead to the listening app when there is one.
  const worker = await createTestWorker({
    ...(url ? { publicUrl: url } : {}),
    portalLinkSecret: TEST_PORTAL_LINK_SECRET,
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    orm: db.orm,
    mailer,
  });
  const running = worker.run();
  const { app, auth, assertConformant, gateway } = await createTestApi(db.orm, env.client, taskQueue, {
    mailer,
    surfaces: {
      ...(url ? { PUBLIC_URL: url } : {}),
      PORTAL_LINK_SECRET: TEST_PORTAL_LINK_SECRET,
      ...options.config,
    },
  });
  server?.on('request', app);
  return {
    env,
    db,
    catcher,
    app,
    auth,
    gateway,
    taskQueue,
    url,
    async close() {
      if (server) {
        const closing = server;
        closing.closeAllConnections();
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      }
      worker.shutdown();
      await running;
      mailer.close();
      await Promise.all([env.teardown(), db.drop(), catcher.close()]);
      assertConformant();
    },
  };
}
