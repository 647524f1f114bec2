import type { ErrorRequestHandler, RequestHandler } from 'express';
import { Router } from 'express';
import { adminRouter } from '../admin/router';
import { AdminCsrfRefused, NoAdminSession, RoleRefused } from '../admin/context';
import { adminStrings } from '../admin/strings';
import { isDatabaseUnavailable } from '../db/unavailable';
import { anonymous, CsrfRefused, NoPortalSession, sellerOf } from '../portal/context';
import { MessagePage } from '../portal/pages/entry';
import { portalRouter } from '../portal/router';
import { ApiCallFailed } from './api-client';
import { assetsRouter } from './assets';
import { isSecure, type SurfacesDeps } from './deps';
import { redirect, sendPage, surfaceCsp } from './http';
import { negotiateLocale } from './i18n';

/**
 * The two browser surfaces: the customer portal (`/portal`) and the operator console (`/admin`), server-rendered
 * HTML with htmx, under a strict Content-Security-Policy. Mounted before the API's JSON 404.
 */
export function surfacesRouter(deps: SurfacesDeps): RequestHandler {
  const router = Router();
  const csp = surfaceCsp(isSecure(deps.config));
  const headers: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  };
  router.use(['/portal', '/admin', '/assets'], headers);
  router.use(assetsRouter());
  router.use(portalRouter(deps));
  router.use(adminRouter(deps));
  router.use(['/portal', '/admin'], notFound(deps));
  router.use(['/portal', '/admin'], surfaceErrors(deps));
  // The API's requests skip the surfaces' some 60 routes instead of testing each of them in turn.
  return (req, res, next) => (SURFACE_PATH.test(req.path) ? router(req, res, next) : next());
}

// Case-insensitive, as Express matches the routes behind it.
const SURFACE_PATH = /^\/(?:portal|admin|assets)(?:\/|$)/i;

function notFound(deps: SurfacesDeps): RequestHandler {
  return async (req, res) => {
    const { locale, t } = anonymous(req);
    const seller = await sellerOf(deps);
    sendPage(
      res,
      404,
      await MessagePage({ locale, brand: seller.name, title: t.notFoundTitle, text: t.notFoundText }),
    );
  };
}

/** Errors of a page become a page: a lost session, a refused form, another customer's object, an outage. */
function surfaceErrors(deps: SurfacesDeps): ErrorRequestHandler {
  return async (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const admin = req.baseUrl.startsWith('/admin') || req.originalUrl.startsWith('/admin');
    if (error instanceof NoAdminSession) {
      redirect(res, `/admin/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    const { locale, t } = anonymous(req);
    const a = adminStrings[negotiateLocale(req.header('accept-language'))];
    const seller = admin ? { name: 'Perennial' } : await sellerOf(deps).catch(() => ({ name: 'Perennial' }));
    const page = async (status: number, title: string, text: string) =>
      sendPage(res, status, await MessagePage({ locale, brand: seller.name, title, text }));
    if (error instanceof NoPortalSession) return page(401, t.sessionEndedTitle, t.sessionEndedText);
    if (error instanceof CsrfRefused || error instanceof AdminCsrfRefused) {
      return page(403, admin ? a.csrfTitle : t.errorTitle, admin ? a.csrfText : t.errorText);
    }
    if (error instanceof RoleRefused) return page(403, a.forbiddenTitle, a.forbiddenText);
    if (error instanceof ApiCallFailed && [400, 403, 404].includes(error.status)) {
      // Another customer's object answers like a missing one: the page reveals nothing about it.
      return page(404, admin ? a.notFoundTitle : t.notFoundTitle, admin ? a.notFoundText : t.notFoundText);
    }
    if (isDatabaseUnavailable(error) || (error instanceof ApiCallFailed && error.status === 503)) {
      return page(503, admin ? a.errorTitle : t.errorTitle, admin ? a.errorText : t.errorText);
    }
    (req.log ?? deps.logger).error({ err: error }, 'surface page failed');
    return page(500, admin ? a.errorTitle : t.errorTitle, admin ? a.errorText : t.errorText);
  };
}
