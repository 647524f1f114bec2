import express, { type Request, type Response, Router } from 'express';
import type { InvoiceResponse } from '../api/schemas/invoices';
import type { CustomerResponse, PaymentMethodResponse } from '../api/schemas/customers';
import { createBrowserSession, revokeBrowserSession } from '../db/services/browser-sessions';
import { emailLinkUsed, redeemEmailLink, redeemSessionUrl } from '../db/services/portal-entries';
import type { ApiError, ListOf } from '../surfaces/api-client';
import { withQuery } from '../surfaces/api-client';
import type { SurfacesDeps } from '../surfaces/deps';
import { clearCookie, field, formOf, redirect, sendPage, setCookie, swapMain } from '../surfaces/http';
import * as subscriptions from '../surfaces/subscription-actions';
import {
  anonymous,
  cookieOptions,
  customerLocale,
  PORTAL_COOKIE,
  PORTAL_SESSION_TTL_MS,
  portalContext,
  type PortalContext,
  requirePortalSession,
  sellerOf,
} from './context';
import { verifyPortalLink, type VerifiedPortalLink } from './links';
import { BillingPage, BILLING_FIELDS, PaymentMethodPage } from './pages/account';
import { ContinuePage, MessagePage } from './pages/entry';
import { InvoiceListPage, InvoicePage } from './pages/invoices';
import { OverviewPage } from './pages/overview';
import { SubscriptionPage, type ChangeDraft, changeFormOf, ChangePreviewBlock } from './pages/subscription';

const render = async (res: Response, status: number, element: JSX.Element) =>
  sendPage(res, status, await element);

/** `?notice=paused` → the catalogue's sentence for it; unknown keys show nothing. */
function noticeOf(req: Request, ctx: PortalContext): { kind: 'success'; text: string } | null {
  const key = typeof req.query.notice === 'string' ? req.query.notice : undefined;
  const text = key ? ctx.t.notices[key] : undefined;
  return text ? { kind: 'success', text } : null;
}

const idParam = (req: Request): string => String(req.params.id);

/** Whose a refused link was, when its signature shows it (an expired link), for the refusal's language. */
const linkCustomer = (link: VerifiedPortalLink | null): string | undefined =>
  link && !link.ok && link.reason === 'expired' ? link.customerId : undefined;

/**
 * The customer portal. Every page reads and every form acts through the JSON API in-process, as the signed-in
 * customer's portal scope: the API's own checks decide what this customer may see and do.
 */
export function portalRouter(deps: SurfacesDeps): Router {
  const router = Router();
  router.use('/portal', express.urlencoded({ extended: false, limit: '64kb' }));

  async function signIn(res: Response, customerId: string, returnUrl: string | null, target: string) {
    const { token } = await createBrowserSession(deps.orm.em.fork(), {
      surface: 'portal',
      customerId,
      returnUrl,
      ttlMs: PORTAL_SESSION_TTL_MS,
    });
    setCookie(res, PORTAL_COOKIE, token, { ...cookieOptions(deps), maxAgeMs: PORTAL_SESSION_TTL_MS });
    redirect(res, target);
  }

  async function refused(
    req: Request,
    res: Response,
    reason: 'used' | 'expired' | 'unknown' | 'invalid',
    customerId?: string,
  ) {
    const { locale, t } = anonymous(req, customerId ? await customerLocale(deps, customerId) : undefined);
    const seller = await sellerOf(deps);
    const text = reason === 'used' ? t.linkUsed : reason === 'expired' ? t.linkExpired : t.linkInvalid;
    await render(res, 410, MessagePage({ locale, brand: seller.name, title: t.linkRefusedTitle, text }));
  }

  // A portal session's single-use url (POST /v1/portal_sessions): the seller redirects the browser here at once.
  router.get('/portal/session/:token', async (req, res) => {
    const redeemed = await redeemSessionUrl(deps.orm.em.fork(), String(req.params.token));
    if (!redeemed.ok) return refused(req, res, redeemed.reason, redeemed.customerId);
    await signIn(res, redeemed.customerId, redeemed.returnUrl, '/portal');
  });

  // A signed link from an email: shown first, spent by the customer's click.
  router.get('/portal/link/:token', async (req, res) => {
    const secret = deps.config.portalLinkSecret;
    const link = secret ? verifyPortalLink(String(req.params.token), secret) : null;
    if (!link?.ok) return refused(req, res, link?.reason ?? 'invalid', linkCustomer(link));
    if (await emailLinkUsed(deps.orm.em.fork(), link)) return refused(req, res, 'used', link.customerId);
    const { locale, t } = anonymous(req, await customerLocale(deps, link.customerId));
    const seller = await sellerOf(deps);
    await render(
      res,
      200,
      ContinuePage({ locale, t, brand: seller.name, action: `/portal/link/${String(req.params.token)}` }),
    );
  });

  router.post('/portal/link/:token', async (req, res) => {
    const secret = deps.config.portalLinkSecret;
    const link = secret ? verifyPortalLink(String(req.params.token), secret) : null;
    if (!link?.ok) return refused(req, res, link?.reason ?? 'invalid', linkCustomer(link));
    const redeemed = await redeemEmailLink(deps.orm.em.fork(), link);
    if (!redeemed.ok) return refused(req, res, redeemed.reason, link.customerId);
    await signIn(res, link.customerId, null, link.path);
  });

  router.get('/portal/signed-out', async (req, res) => {
    const { locale, t } = anonymous(req);
    const seller = await sellerOf(deps);
    const back = typeof req.query.return_to === 'string' && /^https?:\/\//.test(req.query.return_to);
    await render(
      res,
      200,
      MessagePage({
        locale,
        brand: seller.name,
        title: t.signedOutTitle,
        text: t.signedOutText,
        link: back ? { href: String(req.query.return_to), label: t.backToSeller(seller.name) } : null,
      }),
    );
  });

  router.use('/portal', requirePortalSession(deps));

  router.post('/portal/logout', async (_req, res) => {
    const ctx = portalContext(res);
    await revokeBrowserSession(deps.orm.em.fork(), ctx.sessionId);
    clearCookie(res, PORTAL_COOKIE, cookieOptions(deps));
    redirect(
      res,
      withQuery('/portal/signed-out', { lang: ctx.locale, return_to: ctx.returnUrl ?? undefined }),
    );
  });

  router.get('/portal', async (req, res) => {
    const ctx = portalContext(res);
    const [list, open, methods] = await Promise.all([
      subscriptions.listSubscriptions(ctx.api, { customerId: ctx.customerId, limit: 20 }),
      ctx.api.get<ListOf<InvoiceResponse>>(
        withQuery('/v1/invoices', { customer_id: ctx.customerId, status: 'open', limit: 20 }),
      ),
      ctx.api.get<ListOf<PaymentMethodResponse>>(`/v1/customers/${ctx.customerId}/payment_methods?limit=20`),
    ]);
    await render(
      res,
      200,
      OverviewPage({
        ctx,
        subscriptions: list.data,
        openInvoices: open.data,
        paymentMethods: methods.data,
        notice: noticeOf(req, ctx),
      }),
    );
  });

  async function subscriptionPage(
    req: Request,
    res: Response,
    status: number,
    extra: Partial<Parameters<typeof SubscriptionPage>[0]> = {},
  ) {
    const ctx = portalContext(res);
    const subscription = await subscriptions.loadSubscription(ctx.api, idParam(req));
    const offers = await subscriptions.planOffers(ctx.api, subscription);
    await render(
      res,
      status,
      SubscriptionPage({ ctx, subscription, offers, notice: noticeOf(req, ctx), ...extra }),
    );
  }

  router.get('/portal/subscriptions/:id', (req, res) => subscriptionPage(req, res, 200));
  // The path payment-failed emails linked to before signed links: the payment method page serves it.
  router.get('/portal/subscriptions/:id/payment_method', async (req, res) => {
    // Only for the customer's own subscription: anyone else's answers as missing, like every portal route.
    await subscriptions.loadSubscription(portalContext(res).api, idParam(req));
    redirect(res, '/portal/payment-method');
  });

  /** The change a form describes; an unreadable quantity is sent as 0, so the API's own validation names it. */
  function draftOf(req: Request): ChangeDraft {
    const form = formOf(req);
    const text = field(form, 'quantity');
    const number = Number(text);
    const quantity = text === undefined ? undefined : Number.isInteger(number) ? number : 0;
    const planId = field(form, 'plan_id') ?? '';
    const itemId = field(form, 'item_id') ?? '';
    switch (field(form, 'kind')) {
      case 'add':
        return { kind: 'add', planId, quantity };
      case 'update':
        return { kind: 'update', itemId, quantity };
      case 'remove':
        return { kind: 'remove', itemId };
      default:
        return { kind: 'base', ...(planId ? { planId } : {}), quantity };
    }
  }

  const timingOf = (req: Request): subscriptions.Timing | undefined => {
    const timing = field(formOf(req), 'timing');
    return timing === 'immediately' || timing === 'period_end' ? timing : undefined;
  };

  router.post('/portal/subscriptions/:id/change/preview', async (req, res) => {
    const ctx = portalContext(res);
    const draft = draftOf(req);
    const preview = await subscriptions.previewItemChange(ctx.api, idParam(req), draft);
    if (req.header('hx-request') === 'true') {
      if (!preview.ok) {
        // The whole page again, its main swapped in: the API's message shows beside the field it names.
        swapMain(res);
        await subscriptionPage(req, res, 200, {
          draft,
          error: { form: changeFormOf(draft), error: preview.error },
        });
        return;
      }
      await render(
        res,
        200,
        ChangePreviewBlock({
          ctx,
          subscriptionId: idParam(req),
          draft,
          preview: preview.body,
          action: `/portal/subscriptions/${idParam(req)}/change`,
        }),
      );
      return;
    }
    await subscriptionPage(
      req,
      res,
      preview.ok ? 200 : 422,
      preview.ok
        ? { draft, preview: preview.body }
        : { draft, error: { form: changeFormOf(draft), error: preview.error } },
    );
  });

  type Form = 'change' | 'pause' | 'cancel' | 'resume' | 'undo';
  async function act(
    req: Request,
    res: Response,
    form: Form,
    notice: string,
    send: (ctx: PortalContext, id: string) => ReturnType<typeof subscriptions.resume>,
  ) {
    const ctx = portalContext(res);
    const result = await send(ctx, idParam(req));
    if (result.ok) {
      redirect(res, `/portal/subscriptions/${idParam(req)}?notice=${notice}`);
      return;
    }
    const draft = form === 'change' ? draftOf(req) : undefined;
    await subscriptionPage(req, res, result.status === 409 ? 409 : 422, {
      error: { form: draft ? changeFormOf(draft) : form, error: result.error },
      ...(draft ? { draft } : {}),
    });
  }

  router.post('/portal/subscriptions/:id/change', (req, res) =>
    act(req, res, 'change', 'changed', (ctx, id) =>
      subscriptions.applyItemChange(ctx.api, id, draftOf(req), timingOf(req)),
    ),
  );
  router.post('/portal/subscriptions/:id/change/cancel', (req, res) =>
    act(req, res, 'change', 'changeDropped', (ctx, id) => subscriptions.cancelScheduledChange(ctx.api, id)),
  );
  router.post('/portal/subscriptions/:id/pause', (req, res) =>
    act(req, res, 'pause', 'paused', (ctx, id) => {
      const form = formOf(req);
      const date = field(form, 'resumes_at');
      return subscriptions.pause(ctx.api, id, {
        at: field(form, 'at') === 'period_end' ? 'period_end' : 'immediately',
        // A date from the form means the start of that day, UTC.
        resumesAt: date ? (/^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T00:00:00.000Z` : date) : null,
      });
    }),
  );
  router.post('/portal/subscriptions/:id/resume', (req, res) =>
    act(req, res, 'resume', 'resumed', (ctx, id) => subscriptions.resume(ctx.api, id)),
  );
  router.post('/portal/subscriptions/:id/cancel', (req, res) =>
    act(req, res, 'cancel', 'canceled', async (ctx, id) => {
      const reason = field(formOf(req), 'reason');
      if (!subscriptions.isCancelReason(reason)) {
        const error: ApiError = {
          type: 'invalid_request_error',
          code: 'invalid_parameter',
          message: 'reason: choose one of the listed reasons',
          param: 'reason',
        };
        return { ok: false as const, status: 400, error };
      }
      return subscriptions.cancel(ctx.api, id, { at: 'period_end', reason });
    }),
  );
  router.post('/portal/subscriptions/:id/reactivate', (req, res) =>
    act(req, res, 'undo', 'undone', (ctx, id) => subscriptions.undoCancel(ctx.api, id)),
  );

  router.get('/portal/invoices', async (req, res) => {
    const ctx = portalContext(res);
    const cursor = typeof req.query.starting_after === 'string' ? req.query.starting_after : undefined;
    const page = await ctx.api.get<ListOf<InvoiceResponse>>(
      withQuery('/v1/invoices', { customer_id: ctx.customerId, starting_after: cursor, limit: 20 }),
    );
    const visible = page.data.filter((invoice) => invoice.status !== 'draft');
    await render(
      res,
      200,
      InvoiceListPage({ ctx, invoices: visible, nextCursor: page.next_cursor, notice: noticeOf(req, ctx) }),
    );
  });

  router.get('/portal/invoices/:id', async (req, res) => {
    const ctx = portalContext(res);
    const invoice = await ctx.api.get<InvoiceResponse>(`/v1/invoices/${encodeURIComponent(idParam(req))}`);
    const declined = typeof req.query.declined === 'string' ? req.query.declined.slice(0, 300) : undefined;
    await render(
      res,
      200,
      InvoicePage({
        ctx,
        invoice,
        notice: declined ? { kind: 'error', text: ctx.t.declined(declined) } : noticeOf(req, ctx),
      }),
    );
  });

  router.get('/portal/invoices/:id/pdf', async (req, res) => {
    const ctx = portalContext(res);
    // Through the documented JSON route first: another customer's invoice is refused there, like every read.
    await ctx.api.get<InvoiceResponse>(`/v1/invoices/${encodeURIComponent(idParam(req))}`);
    const answer = await ctx.api.raw(`/v1/invoices/${encodeURIComponent(idParam(req))}/pdf`);
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Content-Disposition', String(answer.headers['content-disposition'] ?? 'inline'))
      .setHeader('Cache-Control', 'no-store')
      .send(answer.raw);
  });

  router.post('/portal/invoices/:id/pay', async (req, res) => {
    const ctx = portalContext(res);
    const id = idParam(req);
    const result = await ctx.api.send<
      InvoiceResponse & {
        payment: { status: string; outcome: { failure_message: string | null } | null } | null;
      }
    >('POST', `/v1/invoices/${encodeURIComponent(id)}/pay`, {});
    if (!result.ok) {
      const invoice = await ctx.api.get<InvoiceResponse>(`/v1/invoices/${encodeURIComponent(id)}`);
      await render(
        res,
        result.status,
        InvoicePage({ ctx, invoice, notice: { kind: 'error', text: result.error.message } }),
      );
      return;
    }
    if (result.body.status === 'paid') {
      redirect(res, `/portal/invoices/${id}?notice=paid`);
      return;
    }
    const message =
      result.body.payment?.outcome?.failure_message ?? result.body.payment?.status ?? 'declined';
    redirect(res, withQuery(`/portal/invoices/${id}`, { declined: message }));
  });

  async function paymentMethodPage(req: Request, res: Response, status: number, error?: ApiError | null) {
    const ctx = portalContext(res);
    const methods = await ctx.api.get<ListOf<PaymentMethodResponse>>(
      `/v1/customers/${ctx.customerId}/payment_methods?limit=20`,
    );
    await render(
      res,
      status,
      PaymentMethodPage({
        ctx,
        methods: methods.data,
        gateway: deps.config.gateway,
        error,
        notice: error ? null : noticeOf(req, ctx),
      }),
    );
  }

  router.get('/portal/payment-method', (req, res) => paymentMethodPage(req, res, 200));

  // A new card becomes the default and every subscription that still bills moves to it; a past-due invoice is
  // retried at once by the subscription's workflow (the same path as the API's payment-method update).
  router.post('/portal/payment-method', async (req, res) => {
    const ctx = portalContext(res);
    const attached = await ctx.api.send<PaymentMethodResponse>(
      'POST',
      `/v1/customers/${ctx.customerId}/payment_methods`,
      { gateway: deps.config.gateway ?? 'sandbox', token: field(formOf(req), 'token') ?? '', default: true },
    );
    if (!attached.ok) return paymentMethodPage(req, res, attached.status, attached.error);
    const list = await subscriptions.listSubscriptions(ctx.api, { customerId: ctx.customerId, limit: 100 });
    for (const subscription of list.data.filter(subscriptions.billsAgain)) {
      const moved = await subscriptions.usePaymentMethod(ctx.api, subscription.id, attached.body.id);
      if (!moved.ok && moved.status !== 409) return paymentMethodPage(req, res, moved.status, moved.error);
    }
    redirect(res, '/portal?notice=cardSaved');
  });

  router.get('/portal/billing', async (req, res) => {
    const ctx = portalContext(res);
    await render(res, 200, BillingPage({ ctx, notice: noticeOf(req, ctx) }));
  });

  router.post('/portal/billing', async (req, res) => {
    const ctx = portalContext(res);
    const form = formOf(req);
    const value = (name: string) => field(form, name);
    const addressGiven = ['address.line1', 'address.line2', 'address.postal_code', 'address.city'].some(
      value,
    );
    const country = value('address.country');
    const body = {
      name: value('name') ?? '',
      email: value('email') ?? '',
      ...(country ? { country } : {}),
      vat_id: value('vat_id') ?? null,
      locale: value('locale') ?? ctx.locale,
      // Every address field left empty clears the address; a partial one is the API's to refuse, field by field.
      address: addressGiven
        ? {
            line1: value('address.line1') ?? '',
            ...(value('address.line2') ? { line2: value('address.line2') } : {}),
            postal_code: value('address.postal_code') ?? '',
            city: value('address.city') ?? '',
            country: country ?? '',
          }
        : null,
    };
    const saved = await ctx.api.send<CustomerResponse>('POST', `/v1/customers/${ctx.customerId}`, body);
    if (!saved.ok) {
      await render(
        res,
        saved.status,
        BillingPage({
          ctx,
          form: Object.fromEntries(BILLING_FIELDS.map((name) => [name, form[name] ?? ''])),
          error: saved.error,
        }),
      );
      return;
    }
    redirect(res, '/portal/billing?notice=saved');
  });

  return router;
}
