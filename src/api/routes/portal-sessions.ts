import { Router } from 'express';
import { apiKeyHash, createPortalSession, revokeApiKey } from '../../db/api-keys';
import { Customer } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import type { ApiKeyCache } from '../api-key-cache';
import { AppError } from '../errors';
import { defineRoute, type RouteRegistry } from '../route';
import {
  createPortalSessionSchema,
  portalSessionResponseSchema,
  revokedPortalSessionSchema,
  revokePortalSessionSchema,
} from '../schemas/portal-sessions';

const PORTAL_SESSION_TTL_MS = 60 * 60 * 1000;

/** Short-lived tokens for a self-service portal, created with a secret key. */
export function portalSessionsRouter(orm: Orm, registry: RouteRegistry, keys: ApiKeyCache): Router {
  const router = Router();
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/portal_sessions',
      operationId: 'createPortalSession',
      summary: 'Create a one-hour token scoped to one customer',
      description:
        "The token reaches only that customer's record, payment methods, subscriptions (and their actions) and invoices.",
      tag: 'Portal',
      body: createPortalSessionSchema,
      response: portalSessionResponseSchema,
      status: 201,
      errors: [400],
    },
    async ({ body }) => {
      if (!(await orm.em.findOne(Customer, body.customer_id))) {
        throw new AppError(
          'invalid_request_error',
          'resource_missing',
          `No such customer: ${body.customer_id}`,
          'customer_id',
        );
      }
      const { token, key } = await createPortalSession(
        orm.em.fork(),
        body.customer_id,
        PORTAL_SESSION_TTL_MS,
      );
      return {
        object: 'portal_session' as const,
        customer_id: body.customer_id,
        token,
        expires_at: (key.expiresAt as Date).toISOString(),
      };
    },
  );
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/portal_sessions/revoke',
      operationId: 'revokePortalSession',
      summary: 'End a portal session now (log out)',
      description:
        'A secret key ends any portal session by its token; a portal session may end itself. This API process ' +
        'refuses the token from the next request on; other API processes within `API_KEY_CACHE_MS` (5 s by ' +
        'default), the time they trust a verified token. Revoking a revoked or expired session answers the same.',
      tag: 'Portal',
      body: revokePortalSessionSchema,
      response: revokedPortalSessionSchema,
      errors: [400],
    },
    async ({ body }) => {
      const keyHash = apiKeyHash(body.token);
      // A portal session reaches this route only with its own token (enforcePortalScope).
      // Only a portal session: a secret key is revoked by `npm run keys:revoke`, never by its value sent here.
      const key = await revokeApiKey(orm.em.fork(), 'portal', { hash: keyHash });
      if (!key?.customerId) {
        throw new AppError('invalid_request_error', 'resource_missing', 'No such portal session', 'token');
      }
      keys.forget(keyHash);
      return { object: 'portal_session' as const, customer_id: key.customerId, revoked: true as const };
    },
  );

  return router;
}
