import type { Client } from '@temporalio/client';
import request from 'supertest';
import { createApiKey } from '../../src/db/api-keys';
import type { Orm } from '../../src/db/orm.config';
import { createApp } from '../../src/api/app';
import type { OpenApiDocument } from '../../src/api/openapi';
import { TEST_SANDBOX_WEBHOOK_SECRET } from './workers';
import { SandboxGateway } from '../../src/gateways';
import { createLogger } from '../../src/logging';
import type { VatIdVerifier } from '../../src/tax';
import type { Mailer } from '../../src/mail/mailer';
import { validatingApp } from './response-validation';

/**
 * The real Express app over a real database and Temporal client, plus a freshly created secret key. Every JSON
 * response it gives is checked against the OpenAPI document the same app serves (see response-validation.ts);
 * callers run `assertConformant()` when they close. `gateway` is the app's sandbox, for emitting its webhooks.
 */
export async function createTestApi(
  orm: Orm,
  client: Client,
  taskQueue: string,
  options: { vatIdVerifier?: VatIdVerifier; mailer?: Mailer } = {},
) {
  const gateway = new SandboxGateway({ orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
  const inner = createApp({
    orm,
    client,
    logger: createLogger(process.env.TEST_API_LOG ?? 'silent', 'test-api'),
    // Tests refuse keys by the hundred on purpose (the authorization matrix); the throttle has tests of its own.
    config: {
      TEMPORAL_TASK_QUEUE: taskQueue,
      RATE_LIMIT_PER_MINUTE: 1200,
      AUTH_FAILURES_PER_MINUTE: 1_000_000,
    },
    gateway,
    ...options,
  });
  const document = (await request(inner).get('/v1/openapi.json').expect(200)).body as OpenApiDocument;
  const { app, violations, assertConformant } = validatingApp(inner, document);
  const { secret } = await createApiKey(orm.em.fork(), 'test');
  return {
    app,
    document,
    violations,
    assertConformant,
    gateway,
    auth: { Authorization: `Bearer ${secret}` },
  };
}
