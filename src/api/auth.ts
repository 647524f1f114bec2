import type { RequestHandler, Response } from 'express';
import { Invoice, Subscription } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { findActiveApiKey } from '../db/api-keys';
import { AppError } from './errors';

/** Who is calling: a secret key acts on everything, a portal session on one customer's own resources. */
export type CallerScope = { kind: 'secret' } | { kind: 'portal'; customerId: string };

export function callerScope(res: Response): CallerScope {
  return (res.locals.scope as CallerScope | undefined) ?? { kind: 'secret' };
}

/** `Authorization: Bearer <secret key | portal token>`; keys are looked up by their hash. */
export function requireApiKey(orm: Orm): RequestHandler {
  return async (req, res, next) => {
    const header = req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new AppError(
        'authentication_error',
        'missing_api_key',
        'Provide an API key as "Authorization: Bearer <key>"',
      );
    }
    const key = await findActiveApiKey(orm.em, match[1]);
    if (!key) {
      throw new AppError(
        'authentication_error',
        'invalid_api_key',
        'The API key is invalid, expired or revoked',
      );
    }
    res.locals.scope = key.customerId ? { kind: 'portal', customerId: key.customerId } : { kind: 'secret' };
    next();
  };
}

/** The routes a portal session may use, and how to find the customer that owns the object they name. */
const portalRoutes: {
  method: string;
  pattern: RegExp;
  owner: (orm: Orm, id: string) => Promise<string | null>;
}[] = [
  { method: 'GET', pattern: /^\/customers\/([^/]+)$/, owner: async (_orm, id) => id },
  { method: 'GET', pattern: /^\/customers\/([^/]+)\/payment_methods$/, owner: async (_orm, id) => id },
  { method: 'POST', pattern: /^\/customers\/([^/]+)\/payment_methods$/, owner: async (_orm, id) => id },
  { method: 'GET', pattern: /^\/subscriptions\/([^/]+)$/, owner: subscriptionOwner },
  {
    method: 'POST',
    pattern:
      /^\/subscriptions\/([^/]+)\/(cancel|reactivate|pause|resume|change|change\/cancel|change\/preview|payment_method|coupon|items(\/preview)?|items\/si_[a-f0-9]{24}(\/preview|\/remove\/preview)?)$/,
    owner: subscriptionOwner,
  },
  {
    method: 'DELETE',
    pattern: /^\/subscriptions\/([^/]+)\/items\/si_[a-f0-9]{24}$/,
    owner: subscriptionOwner,
  },
  { method: 'GET', pattern: /^\/subscriptions\/([^/]+)\/usage$/, owner: subscriptionOwner },
  { method: 'GET', pattern: /^\/invoices\/([^/]+)(\/pdf)?$/, owner: invoiceOwner },
  { method: 'POST', pattern: /^\/invoices\/([^/]+)\/pay$/, owner: invoiceOwner },
];

async function subscriptionOwner(orm: Orm, id: string): Promise<string | null> {
  return (await orm.em.findOne(Subscription, id))?.customer.id ?? null;
}

async function invoiceOwner(orm: Orm, id: string): Promise<string | null> {
  return (await orm.em.findOne(Invoice, id))?.customer.id ?? null;
}

/**
 * A portal session reaches only its customer's own customer record, payment methods, subscriptions and invoices;
 * anything else, including another customer's objects, is a 403 that reveals nothing about them.
 */
export function enforcePortalScope(orm: Orm): RequestHandler {
  return async (req, res, next) => {
    const scope = callerScope(res);
    if (scope.kind === 'secret') {
      next();
      return;
    }
    for (const route of portalRoutes) {
      const match = req.method === route.method ? route.pattern.exec(req.path) : null;
      if (match?.[1] && (await route.owner(orm, match[1])) === scope.customerId) {
        next();
        return;
      }
    }
    throw new AppError(
      'permission_error',
      'portal_scope',
      "A portal session can only reach its own customer's resources",
    );
  };
}
