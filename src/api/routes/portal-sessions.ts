import { Router } from 'express';
import { z } from 'zod';
import { createPortalSession } from '../../db/api-keys';
import { Customer } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { createSessionUrlEntry } from '../../db/services/portal-entries';
import { AppError } from '../errors';
import { defineRoute, type RouteRegistry } from '../route';
import { prefixedId, timestampSchema } from '../schemas/common';

const PORTAL_SESSION_TTL_MS = 60 * 60 * 1000;
/** The browser is sent to the url at once; minutes are enough, and a leaked url is worthless soon after. */
export const PORTAL_URL_TTL_MS = 5 * 60 * 1000;

const webUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .describe('An http(s) URL');

const createPortalSessionSchema = z.strictObject({
  customer_id: prefixedId('cus', 'a customer'),
  return_url: webUrl
    .optional()
    .describe('Where the portal’s “back” link and sign-out lead, e.g. your account page'),
});

const portalSessionResponseSchema = z.strictObject({
  object: z.literal('portal_session'),
  customer_id: z.string(),
  token: z.string().describe('Bearer token for the customer’s own resources; shown once'),
  expires_at: timestampSchema,
  url: z
    .string()
    .describe(
      'Send the customer’s browser here: it opens the customer portal (`/portal`) signed in as this customer. ' +
        'Single use, valid for 5 minutes; it is exchanged for an HTTP-only session cookie.',
    ),
  url_expires_at: timestampSchema,
  return_url: z.string().nullable(),
});

/** Short-lived tokens and single-use portal links for a self-service portal, created with a secret key. */
export function portalSessionsRouter(orm: Orm, registry: RouteRegistry, publicUrl: string): Router {
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
  return router;
}
