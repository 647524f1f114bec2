import { parse as parseCookies, serialize } from 'cookie';
import type { Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';

/**
 * What both surfaces share on the wire: cookies, pages, forms, CSRF and the Content-Security-Policy. Sessions live
 * in PostgreSQL (`browser_sessions`); a cookie holds only a random token.
 */

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  return header ? parseCookies(header)[name] : undefined;
}

export interface CookieOptions {
  /** From `PUBLIC_URL`: a surface served over https gets `Secure` cookies. */
  secure: boolean;
  path: string;
  maxAgeMs?: number;
}

/** HTTP-only, SameSite=Lax, Secure when served over https, scoped to one surface's path. */
export function setCookie(res: Response, name: string, value: string, options: CookieOptions): void {
  res.append(
    'Set-Cookie',
    serialize(name, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      path: options.path,
      ...(options.maxAgeMs === undefined ? {} : { maxAge: Math.floor(options.maxAgeMs / 1000) }),
    }),
  );
}

export function clearCookie(res: Response, name: string, options: CookieOptions): void {
  res.append(
    'Set-Cookie',
    serialize(name, '', {
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      path: options.path,
      expires: new Date(0),
    }),
  );
}

/** Sends a rendered page; pages are personal, so no cache may keep them. */
export function sendPage(res: Response, status: number, html: string): void {
  res.status(status).type('html').setHeader('Cache-Control', 'no-store').send(`<!doctype html>${html}`);
}

/** Post/Redirect/Get: a successful form answers with a redirect (303 makes the browser GET). */
export function redirect(res: Response, location: string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.redirect(303, location);
}

export type FormBody = Record<string, string>;

/** The urlencoded form the page posted (one value per field; the simple query parser keeps the last). */
export function formOf(req: Request): FormBody {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const form: FormBody = {};
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') form[key] = value;
  }
  return form;
}

/** The field of a form, trimmed, or undefined when empty. */
export function field(form: FormBody, name: string): string | undefined {
  const value = form[name]?.trim();
  return value ? value : undefined;
}

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** True when the request carries the session's synchronizer token (form field, or header for htmx). */
export function hasCsrfToken(req: Request, expected: string): boolean {
  const given = formOf(req)[CSRF_FIELD] ?? req.header(CSRF_HEADER);
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The pages' Content-Security-Policy: scripts, styles and everything else from this origin only, no inline code. */
export function surfaceCsp(secure: boolean): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    ...(secure ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** A safe place to go back to inside this surface (an absolute path of it, never another origin). */
export function localPath(value: string | undefined, prefix: string): string | undefined {
  if (!value || !value.startsWith(`${prefix}`) || value.startsWith('//') || value.includes('\\'))
    return undefined;
  return /^[A-Za-z0-9/_\-?=&.%]+$/.test(value) ? value : undefined;
}

/**
 * For an htmx request answered with a whole page (a refused form): htmx swaps the page's `<main>` for the current
 * one, so the answer reads exactly like the plain form post's, messages beside their fields. htmx swaps only a 2xx.
 */
export function swapMain(res: Response): void {
  res.setHeader('HX-Retarget', 'main');
  res.setHeader('HX-Reswap', 'outerHTML');
  res.setHeader('HX-Reselect', 'main');
}
