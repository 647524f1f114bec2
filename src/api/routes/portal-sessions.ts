import { Router } from 'express';
import { apiKeyHash, createPortalSession, revokeApiKey } from '../../db/api-keys';
import { Customer } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { createSessionUrlEntry } from '../../db/services/portal-entries';
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
/** The browser is sent to the url at once; minutes are enough, and a leaked url is worthless soon after. */
export const PORTAL_URL_TTL_MS = 5 * 60 * 1000;

/** Short-lived tokens and single-use portal links for a self-service portal, created with a secret key. */
export function portalSessionsRouter(
  orm: Orm,
  registry: RouteRegistry,
  keys: ApiKeyCache,
  publicUrl: string,
): Router {
  const router = Router();
  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/portal_sessions',
      operationId: 'createPortalSession',
      summary: 'Open the customer portal for one customer: a single-use URL and a one-hour token',
      description:
        "Redirect the customer to `url` to open Perennial's customer portal signed in as them (overview, plan " +
        'changes, pause, cancel, payment method, invoices, billing details). The `token` is a bearer token for ' +
        "your own portal: it reaches only that customer's record, payment methods, subscriptions (and their " +
        'actions) and invoices, and the catalogue.',
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
      const em = orm.em.fork();
      const { token, key } = await createPortalSession(em, body.customer_id, PORTAL_SESSION_TTL_MS);
      const entry = await createSessionUrlEntry(em, {
        customerId: body.customer_id,
        returnUrl: body.return_url ?? null,
        expiresAt: new Date(Date.now() + PORTAL_URL_TTL_MS),
      });
      return {
        object: 'portal_session' as const,
        customer_id: body.customer_id,
        token,
        expires_at: (key.expiresAt as Date).toISOString(),
        url: `${publicUrl.replace(/\/+$/, '')}/portal/session/${entry.token}`,
        url_expires_at: entry.entry.expiresAt.toISOString(),
        return_url: body.return_url ?? null,
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
