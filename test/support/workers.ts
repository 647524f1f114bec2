import type { NativeConnection, WorkflowBundle } from '@temporalio/worker';
import type { Orm } from '../../src/db/orm.config';
import { SandboxGateway } from '../../src/gateways';
import type { Mailer } from '../../src/mail/mailer';
import { createWorker } from '../../src/worker';

export const TEST_SANDBOX_WEBHOOK_SECRET = 'test-sandbox-webhook-secret-0123456789';

/** A worker with every real dependency: the given database and mailer, and the sandbox gateway on that database. */
export function createTestWorker(options: {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  workflowBundle: WorkflowBundle;
  orm: Orm;
  mailer: Mailer;
  /** Where the emails' links lead (the test's listening API, for a browser to follow them). */
  publicUrl?: string;
  /** Signs the emails' portal links, as `PORTAL_LINK_SECRET` does; plain links without it. */
  portalLinkSecret?: string;
}) {
  return createWorker({
    ...options,
    namespace: options.namespace ?? 'default',
    gateway: new SandboxGateway({ orm: options.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET }),
    publicUrl: options.publicUrl ?? 'http://perennial.test',
  });
}
