import { Router } from 'express';
import { createPortalSession } from '../../db/api-keys';
import { Customer } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { AppError } from '../errors';
import { defineRoute, type RouteRegistry } from '../route';
import { createPortalSessionSchema, portalSessionResponseSchema } from '../schemas/portal-sessions';

const PORTAL_SESSION_TTL_MS = 60 * 60 * 1000;

/** Short-lived tokens for a self-service portal, created with a secret key. */
export function portalSessionsRouter(orm: Orm, registry: RouteRegistry): Router {
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
  return router;
}
