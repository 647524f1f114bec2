import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed links into the customer portal, for emails that ask the customer to act (payment failed, dunning
 * notices, trial ending, upcoming renewal, receipt). A link names one customer and one portal page, expires, and
 * is honoured once: the portal records its `linkId` when it is used (`portal_entries`) and refuses it after that,
 * or after `expiresAt`, with a page that says why. Pure: rendering an email needs no database.
 */

/** A portal page a link may lead to. */
export type PortalTarget =
  | { page: 'overview' }
  | { page: 'payment_method' }
  | { page: 'invoices' }
  | { page: 'subscription'; subscriptionId: string }
  | { page: 'invoice'; invoiceId: string };

export interface PortalLinkInput {
  /** `PUBLIC_URL`: where the API (and with it `/portal`) is reached. */
  publicUrl: string;
  /** `PORTAL_LINK_SECRET`: the worker that renders emails and the API that checks links share it. */
  secret: string;
  customerId: string;
  target: PortalTarget;
  /** When the link stops working; 7 days after `now` when not given. */
  expiresAt?: Date;
  /**
   * Names this link for its single use. Give a stable one per email (e.g. the email's cause key), so that a retried
   * activity renders the same link; a random one when not given.
   */
  linkId?: string;
  now?: Date;
}

export const DEFAULT_PORTAL_LINK_TTL_MS = 7 * 24 * 60 * 60 * 1000;

interface LinkPayload {
  /** customer id */
  c: string;
  /** target path inside /portal */
  t: string;
  /** link id */
  i: string;
  /** expiry, unix seconds */
  e: number;
}

const ID = /^[a-z]+_[A-Za-z0-9]{1,64}$/;

export function portalPath(target: PortalTarget): string {
  switch (target.page) {
    case 'overview':
      return '/portal';
    case 'payment_method':
      return '/portal/payment-method';
    case 'invoices':
      return '/portal/invoices';
    case 'subscription':
      if (!ID.test(target.subscriptionId)) throw new RangeError('Not a subscription id');
      return `/portal/subscriptions/${target.subscriptionId}`;
    case 'invoice':
      if (!ID.test(target.invoiceId)) throw new RangeError('Not an invoice id');
      return `/portal/invoices/${target.invoiceId}`;
  }
}

const sign = (secret: string, payload: string): string =>
  createHmac('sha256', secret).update(`perennial-portal-link:v1:${payload}`).digest('base64url');

/** `<PUBLIC_URL>/portal/link/<payload>.<signature>` */
export function signedPortalUrl(input: PortalLinkInput): string {
  const now = input.now ?? new Date();
  const expiresAt = input.expiresAt ?? new Date(now.getTime() + DEFAULT_PORTAL_LINK_TTL_MS);
  const payload: LinkPayload = {
    c: input.customerId,
    t: portalPath(input.target),
    i: input.linkId ?? randomBytes(12).toString('base64url'),
    e: Math.floor(expiresAt.getTime() / 1000),
  };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${input.publicUrl.replace(/\/+$/, '')}/portal/link/${encoded}.${sign(input.secret, encoded)}`;
}

export type VerifiedPortalLink =
  | { ok: true; customerId: string; path: string; linkId: string; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  /** Genuine but too old: whose it was is known, so the refusal can speak the customer's language. */
  | { ok: false; reason: 'expired'; customerId: string };

const TARGET_PATH =
  /^\/portal(\/(payment-method|invoices|subscriptions\/[a-z]+_[A-Za-z0-9]+|invoices\/[a-z]+_[A-Za-z0-9]+))?$/;

/** Checks a link's signature and expiry (not its single use: that is `redeemEmailLink`). */
export function verifyPortalLink(token: string, secret: string, now: Date = new Date()): VerifiedPortalLink {
  const [encoded, signature, ...rest] = token.split('.');
  if (!encoded || !signature || rest.length > 0) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(sign(secret, encoded));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'invalid' };
  }
  let payload: LinkPayload;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as LinkPayload;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (
    typeof payload.c !== 'string' ||
    !ID.test(payload.c) ||
    typeof payload.t !== 'string' ||
    !TARGET_PATH.test(payload.t) ||
    typeof payload.i !== 'string' ||
    payload.i.length === 0 ||
    payload.i.length > 200 ||
    typeof payload.e !== 'number'
  ) {
    return { ok: false, reason: 'invalid' };
  }
  const expiresAt = new Date(payload.e * 1000);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired', customerId: payload.c };
  return { ok: true, customerId: payload.c, path: payload.t, linkId: payload.i, expiresAt };
}
