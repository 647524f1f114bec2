import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { ConsoleRole } from '../db/entities';
import { findBrowserSession } from '../db/services/browser-sessions';
import { appendDomainEvent } from '../db/services/events';
import { serverAddressOf } from '../api/in-process';
import { ApiClient } from '../surfaces/api-client';
import { isSecure, type SurfacesDeps } from '../surfaces/deps';
import { hasCsrfToken, readCookie } from '../surfaces/http';
import { formatFor, type Format, type Locale } from '../surfaces/i18n';
import { adminStrings, type AdminStrings } from './strings';

export const ADMIN_COOKIE = 'perennial_console';
export const LOGIN_COOKIE = 'perennial_console_login';
export const ADMIN_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface ConsoleActor {
  id: string;
  email: string;
  name: string;
  role: ConsoleRole;
}

/** What a signed-in console page knows: who acts, in which language, and the API with a secret key's reach. */
export interface AdminContext {
  sessionId: string;
  user: ConsoleActor;
  csrf: string;
  api: ApiClient;
  locale: Locale;
  t: AdminStrings;
  f: Format;
  deps: SurfacesDeps;
}

export class NoAdminSession extends Error {
  constructor() {
    super('No console session');
    this.name = 'NoAdminSession';
  }
}

export class AdminCsrfRefused extends Error {
  constructor() {
    super('CSRF token missing or wrong');
    this.name = 'AdminCsrfRefused';
  }
}

export class RoleRefused extends Error {
  constructor() {
    super('This console user may not act');
    this.name = 'RoleRefused';
  }
}

export const adminCookieOptions = (deps: SurfacesDeps) => ({ secure: isSecure(deps.config), path: '/admin' });

/**
 * Resolves the console session (cookie → `browser_sessions` row → console user). Every POST must carry the
 * session's CSRF token, and only an `admin` may post at all: a `viewer` reads.
 */
export function requireAdminSession(deps: SurfacesDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = readCookie(req, ADMIN_COOKIE);
    const session = token ? await findBrowserSession(deps.orm.em.fork(), 'console', token) : null;
    const user = session?.user;
    if (!session || !user) throw new NoAdminSession();
    if (req.method === 'POST') {
      if (!hasCsrfToken(req, session.csrfToken)) throw new AdminCsrfRefused();
      // Signing out and choosing a language are a viewer's too; everything else posted is an action.
      const own = req.path === '/logout' || req.path === '/language';
      if (!own && user.role !== 'admin') throw new RoleRefused();
    }
    const context: AdminContext = {
      sessionId: session.id,
      user: { id: user.id, email: user.email, name: user.name, role: user.role },
      csrf: session.csrfToken,
      api: new ApiClient(deps.api, { kind: 'secret' }, serverAddressOf(req.socket), String(req.id ?? '')),
      locale: user.locale,
      t: adminStrings[user.locale],
      f: formatFor(user.locale, 'UTC'),
      deps,
    };
    res.locals.admin = context;
    next();
  };
}

export const adminContext = (res: Response): AdminContext => res.locals.admin as AdminContext;

/**
 * Records a console action in the audit log, naming the console user who took it (`console.<object>.<verb>`).
 * Written after the API accepted the action, beside the events the action itself records.
 */
export async function audit(
  ctx: Pick<AdminContext, 'user' | 'deps'>,
  action: string,
  subject: { customerId?: string; subscriptionId?: string; [key: string]: unknown },
): Promise<void> {
  const { customerId, subscriptionId, ...data } = subject;
  await appendDomainEvent(ctx.deps.orm.em.fork(), {
    key: `console:${randomUUID()}`,
    type: `console.${action}`,
    ...(customerId ? { customerId } : {}),
    ...(subscriptionId ? { subscriptionId } : {}),
    data: {
      actor: { type: 'console_user', id: ctx.user.id, email: ctx.user.email, name: ctx.user.name },
      ...data,
    },
    occurredAt: new Date().toISOString(),
  });
}
