import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { Invoice, Subscription } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { apiKeyHash, findActiveApiKeyByHash } from '../db/api-keys';
import type { ApiKeyCache, VerifiedKey } from './api-key-cache';
import type { CallerScope } from './caller-scope';
import { AppError } from './errors';
import type { InProcessCallers } from './in-process';

export type { CallerScope } from './caller-scope';

export function callerScope(res: Response): CallerScope {
  return (res.locals.scope as CallerScope | undefined) ?? { kind: 'secret' };
}

/** The stored hash of the key the request authenticated with (set by `requireApiKey`). */
export function callerKeyHash(res: Response): string {
  return res.locals.keyHash as string;
}

export interface AuthenticationOptions {
  /** Keys verified recently, so most requests authenticate without a query. */
  keys: ApiKeyCache;
  /** Failed authentications one client address may make per minute before it is refused without a lookup. */
  failuresPerMinute: number;
  /** The portal's and the console's calls, each with a token that lives for that one call (`in-process.ts`). */
  inProcess?: InProcessCallers;
}

const FAILURE_WINDOW_MS = 60_000;

/** The client's address (an IPv6 client by its /56, as a host usually holds that many); behind `trust proxy` hops. */
const clientAddress = (req: Request): string => ipKeyGenerator(req.ip ?? '');

function inProcessScope(
  req: Request,
  inProcess: InProcessCallers | undefined,
): { token: string; scope: CallerScope } | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1];
  const scope = token ? inProcess?.scopeOf(token) : undefined;
  return token && scope ? { token, scope } : undefined;
}

const throttled = () =>
  new AppError(
    'rate_limit_error',
    'too_many_failed_authentications',
    'Too many requests with a missing or invalid API key from this address; retry later',
  );

/**
 * `Authorization: Bearer <secret key | portal token>`; keys are looked up by their hash, through the cache. Each
 * missing or invalid key counts against the client's address, and an address over its limit is refused with a 429
 * before anything is looked up, so guessing keys costs a database query only for the first few guesses a minute.
 */
export function requireApiKey(
  orm: Orm,
  { keys, failuresPerMinute, inProcess }: AuthenticationOptions,
): RequestHandler {
  const failures = rateLimit({
    windowMs: FAILURE_WINDOW_MS,
    limit: failuresPerMinute,
    keyGenerator: clientAddress,
    identifier: 'authentication-failures',
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(throttled()),
  });
  /** Counts one failure of this client; rejects with the 429 when it is one too many. */
  const countFailure = (req: Request, res: Response) =>
    new Promise<void>((resolve, reject) =>
      failures(req, res, (error?: unknown) => (error ? reject(error) : resolve())),
    );

  async function verify(keyHash: string): Promise<VerifiedKey | null> {
    const cached = keys.get(keyHash);
    if (cached) return cached;
    const found = await findActiveApiKeyByHash(orm.em.fork(), keyHash);
    if (!found) return null;
    const key = {
      id: found.id,
      customerId: found.customerId ?? null,
      expiresAt: found.expiresAt?.getTime() ?? null,
    };
    keys.remember(keyHash, key);
    return key;
  }

  return async (req, res, next) => {
    // Before the failure throttle: the surfaces' calls come from this server's own address, which a stranger on
    // the same host guessing keys must not lock out.
    const internal = inProcessScope(req, inProcess);
    if (internal) {
      res.locals.scope = internal.scope;
      res.locals.keyHash = apiKeyHash(internal.token);
      next();
      return;
    }
    const seen = await failures.getKey(clientAddress(req));
    if (seen && seen.totalHits >= failuresPerMinute) {
      if (seen.resetTime) {
        res.setHeader('Retry-After', Math.max(1, Math.ceil((seen.resetTime.getTime() - Date.now()) / 1000)));
      }
      throw throttled();
    }
    const header = req.header('authorization');
    const secret = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
    if (!secret) {
      await countFailure(req, res);
      throw new AppError(
        'authentication_error',
        'missing_api_key',
        'Provide an API key as "Authorization: Bearer <key>"',
      );
    }
    const keyHash = apiKeyHash(secret);
    const key = await verify(keyHash);
    if (!key) {
      await countFailure(req, res);
      throw new AppError(
        'authentication_error',
        'invalid_api_key',
        'The API key is invalid, expired or revoked',
      );
    }
    res.locals.scope = key.customerId ? { kind: 'portal', customerId: key.customerId } : { kind: 'secret' };
    res.locals.keyHash = keyHash;
    next();
  };
}

/** For what only a secret key may see outside `/v1` (the metrics). */
export const requireSecretKey: RequestHandler = (_req, res, next) => {
  if (callerScope(res).kind !== 'secret') {
    throw new AppError('permission_error', 'secret_key_required', 'This needs a secret API key');
  }
  next();
};

/**
 * The routes a portal session may use, and how to find the customer that owns the object they name: by the id in
 * the path, or, for lists, by the `customer_id` filter, which a portal session must give as its own customer.
 */
const portalRoutes: {
  method: string;
  pattern: RegExp;
  /** `caller`: the route names the session itself, by the `token` of its body, which must be the caller's own. */
  owner: ((orm: Orm, id: string) => Promise<string | null>) | 'caller' | 'customer_filter';
}[] = [
  { method: 'POST', pattern: /^\/portal_sessions\/(revoke)$/, owner: 'caller' },
  { method: 'GET', pattern: /^\/customers\/([^/]+)$/, owner: async (_orm, id) => id },
  { method: 'POST', pattern: /^\/customers\/([^/]+)$/, owner: async (_orm, id) => id },
  { method: 'GET', pattern: /^\/customers\/([^/]+)\/payment_methods$/, owner: async (_orm, id) => id },
  { method: 'POST', pattern: /^\/customers\/([^/]+)\/payment_methods$/, owner: async (_orm, id) => id },
  { method: 'GET', pattern: /^\/subscriptions$/, owner: 'customer_filter' },
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
  { method: 'GET', pattern: /^\/invoices$/, owner: 'customer_filter' },
  { method: 'GET', pattern: /^\/invoices\/([^/]+)(\/pdf)?$/, owner: invoiceOwner },
  { method: 'POST', pattern: /^\/invoices\/([^/]+)\/pay$/, owner: invoiceOwner },
];

function isOwnToken(body: unknown, keyHash: string): boolean {
  const token = typeof body === 'object' && body !== null ? (body as { token?: unknown }).token : undefined;
  return typeof token === 'string' && apiKeyHash(token) === keyHash;
}

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
      if (!match) continue;
      if (route.owner === 'customer_filter') {
        if ((req.query as Record<string, unknown>).customer_id === scope.customerId) {
          next();
          return;
        }
        continue;
      }
      if (!match[1]) continue;
      const own =
        route.owner === 'caller'
          ? isOwnToken(req.body, callerKeyHash(res))
          : (await route.owner(orm, match[1])) === scope.customerId;
      if (own) {
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
