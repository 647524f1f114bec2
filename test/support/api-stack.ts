import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { randomBytes } from 'node:crypto';
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
  taskQueue: string;
  close(): Promise<void>;
}

export async function startApiStack(name: string): Promise<ApiStack> {
  const [env, db, catcher, bundle] = await Promise.all([
    startDevServerEnv(),
    createTestDatabase(),
    startSmtpCatcher(),
    bundleWorkflows(),
  ]);
  const mailer = createMailer(catcher.smtpUrl, 'Perennial <billing@example.test>');
  const taskQueue = `${name}-${randomBytes(4).toString('hex')}`;
  const worker = await createTestWorker({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    orm: db.orm,
    mailer,
  });
  const running = worker.run();
  const { app, auth, assertConformant, gateway } = await createTestApi(db.orm, env.client, taskQueue, {
    mailer,
  });
  return {
    env,
    db,
    catcher,
    app,
    auth,
    gateway,
    taskQueue,
    async close() {
      worker.shutdown();
      await running;
      mailer.close();
      await Promise.all([env.teardown(), db.drop(), catcher.close()]);
      assertConformant();
    },
  };
}
