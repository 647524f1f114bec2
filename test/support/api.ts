import type { Client } from '@temporalio/client';
import { createApiKey } from '../../src/db/api-keys';
import type { Orm } from '../../src/db/orm.config';
import { createApp } from '../../src/api/app';
import { TEST_SANDBOX_WEBHOOK_SECRET } from './workers';
import { SandboxGateway } from '../../src/gateways';
import { createLogger } from '../../src/logging';

/** The real Express app over a real database and Temporal client, plus a freshly created secret key. */
export async function createTestApi(orm: Orm, client: Client, taskQueue: string) {
  const app = createApp({
    orm,
    client,
    logger: createLogger('silent', 'test-api'),
    config: { TEMPORAL_TASK_QUEUE: taskQueue, RATE_LIMIT_PER_MINUTE: 1200 },
    gateway: new SandboxGateway({ orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET }),
  });
  const { secret } = await createApiKey(orm.em.fork(), 'test');
  return { app, auth: { Authorization: `Bearer ${secret}` } };
}
