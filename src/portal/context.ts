import type { NextFunction, Request, Response } from 'express';
import type { CustomerResponse } from '../api/schemas/customers';
import { Customer, SellerSettings } from '../db/entities';
import { findBrowserSession } from '../db/services/browser-sessions';
import { serverAddressOf } from '../api/in-process';
import { ApiClient } from '../surfaces/api-client';
import { isSecure, type SurfacesDeps } from '../surfaces/deps';
import { hasCsrfToken, readCookie } from '../surfaces/http';
import { formatFor, isLocale, negotiateLocale, type Format, type Locale } from '../surfaces/i18n';
import { portalStrings, type PortalStrings } from './strings';

export const PORTAL_COOKIE = 'perennial_portal';
export const PORTAL_SESSION_TTL_MS = 60 * 60 * 1000;

export interface Seller {
  name: string;
  timeZone: string;
}

/** What a signed-in portal page knows: whose it is, how to call the API as them, and how to speak to them. */
export interface PortalContext {
  sessionId: string;
  customerId: string;
  customer: CustomerResponse;
  csrf: string;
  returnUrl: string | null;
  api: ApiClient;
  seller: Seller;
  locale: Locale;
  t: PortalStrings;
  f: Format;
}

export const cookieOptions = (deps: SurfacesDeps) => ({ secure: isSecure(deps.config), path: '/portal' });

export async function sellerOf(deps: SurfacesDeps): Promise<Seller> {
  const settings = await deps.orm.em.fork().findOne(SellerSettings, 1);
  return { name: settings?.name ?? 'Perennial', timeZone: settings?.timeZone ?? 'UTC' };
}

/** Language for a page shown before the customer is signed in: theirs when known, else the browser's. */
export function anonymous(req: Request, known?: Locale): { locale: Locale; t: PortalStrings } {
  const asked = req.query.lang;
  const locale = known ?? (isLocale(asked) ? asked : negotiateLocale(req.header('accept-language')));
  return { locale, t: portalStrings[locale] };
}

/** The language a customer chose, for pages about their link before they are signed in. */
export async function customerLocale(deps: SurfacesDeps, customerId: string): Promise<Locale | undefined> {
  return (await deps.orm.em.fork().findOne(Customer, customerId))?.locale;
}

/** Thrown when a portal page is opened without a live session; the router answers with a 401 page. */
export class NoPortalSession extends Error {
  constructor() {
    super('No portal session');
    this.name = 'NoPortalSession';
  }
}

/** Thrown when a form arrives without its session's CSRF token; answered 403. */
export class CsrfRefused extends Error {
  constructor() {
    super('CSRF token missing or wrong');
    this.name = 'CsrfRefused';
  }
}

/**
 * Resolves the portal session of the request (cookie → `browser_sessions` row → customer), checks the CSRF token
 * on every POST, and leaves the page's context in `res.locals.portal`.
 */
export function requirePortalSession(deps: SurfacesDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = readCookie(req, PORTAL_COOKIE);
    const session = token ? await findBrowserSession(deps.orm.em.fork(), 'portal', token) : null;
    if (!session?.customerId) throw new NoPortalSession();
    if (req.method === 'POST' && !hasCsrfToken(req, session.csrfToken)) throw new CsrfRefused();
    const api = new ApiClient(
      deps.api,
      { kind: 'portal', customerId: session.customerId },
      serverAddressOf(req.socket),
      String(req.id ?? ''),
    );
    const [customer, seller] = await Promise.all([
      api.get<CustomerResponse>(`/v1/customers/${session.customerId}`),
      sellerOf(deps),
    ]);
    const context: PortalContext = {
      sessionId: session.id,
      customerId: session.customerId,
      customer,
      csrf: session.csrfToken,
      returnUrl: session.returnUrl ?? null,
      api,
      seller,
      locale: customer.locale,
      t: portalStrings[customer.locale],
      f: formatFor(customer.locale, seller.timeZone),
    };
    res.locals.portal = context;
    next();
  };
}

export const portalContext = (res: Response): PortalContext => res.locals.portal as PortalContext;
