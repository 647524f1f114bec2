import type { Client } from '@temporalio/client';
import type { Orm } from '../db/orm.config';
import { createLogger } from '../logging';
import { createApiApp } from './app';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi';

/**
 * A dependency that building the routes must never use. Routes close over their dependencies and use them only
 * when a request arrives, so declaring them needs none; touching one here is a bug that this makes loud.
 */
function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      throw new Error(`Building the OpenAPI document used ${name}.${String(property)}; routes may not`);
    },
  });
}

/**
 * The document `GET /v1/openapi.json` serves, built without a database, Temporal or a listening server: what
 * `npm run client:generate` turns into the TypeScript client's types.
 */
export function buildApiDocument(): OpenApiDocument {
  const { routes } = createApiApp({
    orm: unused<Orm>('orm'),
    client: unused<Client>('client'),
    logger: createLogger('silent', 'openapi'),
    config: { TEMPORAL_TASK_QUEUE: 'openapi', RATE_LIMIT_PER_MINUTE: 1 },
  });
  return buildOpenApiDocument(routes.all());
}
