import express, { type Request, type Response, Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { DateTime } from 'luxon';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { CreditNoteResponse } from '../api/schemas/credit-notes';
import type { CustomerResponse, PaymentMethodResponse } from '../api/schemas/customers';
import type { InvoiceResponse } from '../api/schemas/invoices';
import type { PaymentResponse } from '../api/schemas/payments';
import type { PutSettingsInput, SettingsResponse } from '../api/schemas/settings';
import type { TestClockResponse } from '../api/schemas/test-clocks';
import type { WebhookDeliveryResponse, WebhookEndpointResponse } from '../api/schemas/webhooks';
import { createApiKey, listSecretApiKeys, revokeApiKey } from '../db/api-keys';
import { ConsoleUser } from '../db/entities';
import { createBrowserSession, revokeBrowserSession } from '../db/services/browser-sessions';
import { verifyConsoleLogin } from '../db/services/console-users';
import { type ApiError, type ListOf, withQuery } from '../surfaces/api-client';
import type { SurfacesDeps } from '../surfaces/deps';
import {
  clearCookie,
  field,
  formOf,
  localPath,
  readCookie,
  redirect,
  sendPage,
  setCookie,
  swapMain,
} from '../surfaces/http';
import { isLocale, negotiateLocale } from '../surfaces/i18n';
import * as subscriptions from '../surfaces/subscription-actions';
import {
  ADMIN_COOKIE,
  ADMIN_SESSION_TTL_MS,
  type AdminContext,
  adminContext,
  adminCookieOptions,
  audit,
  LOGIN_COOKIE,
  requireAdminSession,
} from './context';
import { chartRange, mrrOf, type RevenueReport, revenueSeriesOf, subscriptionCounts } from './figures';
import { basisPointsOfPercent, putBodyOf, taxRateFieldOf } from './settings-form';
import { adminStrings } from './strings';
import { CustomerPage, CustomersPage } from './pages/customers';
import { DashboardPage, type EventRow, EventsPage } from './pages/dashboard';
import { InvoicePage, InvoicesPage, INVOICE_STATUSES } from './pages/invoices';
import { LoginPage } from './pages/login';
import {
  ApiKeysPage,
  ClockStatus,
  DunningPage,
  SettingsPage,
  TestClockPage,
  TestClocksPage,
  WebhookEndpointPage,
  WebhooksPage,
} from './pages/operations';
import type { Notice } from './pages/shell';
import {
  type ConsoleChangeDraft,
  type ConsoleForm,
  consoleFormOf,
  ConsolePreview,
  SubscriptionPage,
} from './pages/subscription';

const render = async (res: Response, status: number, element: JSX.Element) =>
  sendPage(res, status, await element);
const param = (req: Request, name = 'id'): string => String(req.params[name]);
const query = (req: Request, name: string): string =>
  typeof req.query[name] === 'string' ? req.query[name] : '';
const enc = encodeURIComponent;

function noticeOf(req: Request, ctx: AdminContext): Notice {
  const text = ctx.t.done[query(req, 'done')];
  return text ? { kind: 'success', text } : null;
}

/** `2027-01-31T09:00` from a datetime-local input (labelled UTC) → an ISO instant; anything else for the API to refuse. */
function instantOf(value: string | undefined): string {
  if (!value) return '';
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return `${value}:00.000Z`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00.000Z`;
  return value;
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;

/**
 * The operator console. Pages read through the JSON API in-process with a secret key's reach (and a few
 * aggregates from the read model); every action goes through the same API route as an integration's call, then is
 * recorded as a `console.*` event naming the console user.
 */
export function adminRouter(deps: SurfacesDeps): Router {
  const router = Router();
  router.use('/admin', express.urlencoded({ extended: false, limit: '64kb' }));
  const cookies = adminCookieOptions(deps);

  // ---- Sign-in: a double-submit token against login CSRF, and attempts limited per email and per address.
  async function loginPage(
    req: Request,
    res: Response,
    status: number,
    error: string | null,
    email?: string,
  ) {
    const locale = negotiateLocale(req.header('accept-language'));
    let csrf = readCookie(req, LOGIN_COOKIE);
    if (!csrf || !/^[A-Za-z0-9_-]{43}$/.test(csrf)) {
      csrf = randomBytes(32).toString('base64url');
      setCookie(res, LOGIN_COOKIE, csrf, { ...cookies, maxAgeMs: 60 * 60 * 1000 });
    }
    const next = localPath(field(formOf(req), 'next') ?? query(req, 'next'), '/admin') ?? '/admin';
    await render(res, status, LoginPage({ locale, t: adminStrings[locale], csrf, next, email, error }));
  }

  const tooMany = async (req: Request, res: Response) => {
    const t = adminStrings[negotiateLocale(req.header('accept-language'))];
    await loginPage(req, res, 429, t.tooManyAttempts, field(formOf(req), 'email'));
  };
  const limiter = (key: (req: Request) => string, limit: number) =>
    rateLimit({
      windowMs: FIFTEEN_MINUTES,
      limit,
      skipSuccessfulRequests: true,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: key,
      handler: (req, res) => void tooMany(req, res),
    });
  const perEmail = limiter((req) => `email:${(field(formOf(req), 'email') ?? '').toLowerCase()}`, 5);
  const perAddress = limiter((req) => `ip:${ipKeyGenerator(req.ip ?? '')}`, 20);

  router.get('/admin/login', (req, res) => loginPage(req, res, 200, null));

  router.post('/admin/login', perAddress, perEmail, async (req, res) => {
    const form = formOf(req);
    const t = adminStrings[negotiateLocale(req.header('accept-language'))];
    const cookie = readCookie(req, LOGIN_COOKIE) ?? '';
    const given = form._csrf ?? '';
    if (
      !cookie ||
      cookie.length !== given.length ||
      !timingSafeEqual(Buffer.from(cookie), Buffer.from(given))
    ) {
      await loginPage(req, res, 403, t.csrfText, field(form, 'email'));
      return;
    }
    const user = await verifyConsoleLogin(deps.orm.em.fork(), form.email ?? '', form.password ?? '');
    if (!user) {
      await loginPage(req, res, 401, t.wrongLogin, field(form, 'email'));
      return;
    }
    const { token } = await createBrowserSession(deps.orm.em.fork(), {
      surface: 'console',
      userId: user.id,
      ttlMs: ADMIN_SESSION_TTL_MS,
    });
    setCookie(res, ADMIN_COOKIE, token, { ...cookies, maxAgeMs: ADMIN_SESSION_TTL_MS });
    clearCookie(res, LOGIN_COOKIE, cookies);
    await audit({ user, deps }, 'session.signed_in', {});
    redirect(res, localPath(field(form, 'next'), '/admin') ?? '/admin');
  });

  router.use('/admin', requireAdminSession(deps));

  router.post('/admin/logout', async (_req, res) => {
    await revokeBrowserSession(deps.orm.em.fork(), adminContext(res).sessionId);
    clearCookie(res, ADMIN_COOKIE, cookies);
    redirect(res, '/admin/login');
  });

  router.post('/admin/language', async (req, res) => {
    const locale = field(formOf(req), 'locale');
    if (isLocale(locale)) {
      await deps.orm.em.fork().nativeUpdate(ConsoleUser, { id: adminContext(res).user.id }, { locale });
    }
    redirect(res, localPath(req.header('referer')?.replace(/^https?:\/\/[^/]+/, ''), '/admin') ?? '/admin');
  });

  // ---- Dashboard and events
  router.get('/admin', async (_req, res) => {
    const ctx = adminContext(res);
    // The report's months are the seller's: "today" is asked in its time zone, so the current month is whole.
    const settings = await ctx.api.send<SettingsResponse>('GET', '/v1/settings');
    const zone = settings.ok ? settings.body.time_zone : 'UTC';
    const today = DateTime.now().setZone(zone);
    // MRR and its movements are the analytics ledger's (every item of every subscription, docs/analytics.md): the
    // revenue report of the last 12 months, one bucket a month, drawn as it is answered.
    const [counts, report, events] = await Promise.all([
      subscriptionCounts(deps.orm),
      ctx.api.get<RevenueReport>(
        withQuery('/v1/analytics/revenue', { ...chartRange(today), interval: 'month' }),
      ),
      ctx.api.get<ListOf<EventRow>>('/v1/events?order=desc&limit=10'),
    ]);
    const revenue = revenueSeriesOf(report);
    await render(
      res,
      200,
      DashboardPage({ ctx, figures: { counts, mrr: mrrOf(revenue), revenue }, events: events.data }),
    );
  });

  router.get('/admin/events', async (req, res) => {
    const ctx = adminContext(res);
    const type = query(req, 'type').trim();
    const page = await ctx.api.get<ListOf<EventRow>>(
      withQuery('/v1/events', {
        order: 'desc',
        limit: 50,
        type,
        customer_id: query(req, 'customer_id'),
        subscription_id: query(req, 'subscription_id'),
        starting_after: query(req, 'starting_after'),
      }),
    );
    await render(res, 200, EventsPage({ ctx, events: page.data, type, next: page.next_cursor }));
  });

  // ---- Customers
  router.get('/admin/customers', async (req, res) => {
    const ctx = adminContext(res);
    const search = query(req, 'search').trim();
    const page = await ctx.api.get<ListOf<CustomerResponse>>(
      withQuery('/v1/customers', { search, limit: 25, starting_after: query(req, 'starting_after') }),
    );
    await render(res, 200, CustomersPage({ ctx, customers: page.data, search, next: page.next_cursor }));
  });

  router.get('/admin/customers/:id', async (req, res) => {
    const ctx = adminContext(res);
    const id = enc(param(req));
    const customer = await ctx.api.get<CustomerResponse>(`/v1/customers/${id}`);
    const [subs, invoices, payments, methods, events] = await Promise.all([
      subscriptions.listSubscriptions(ctx.api, { customerId: customer.id, limit: 20 }),
      ctx.api.get<ListOf<InvoiceResponse>>(`/v1/invoices?customer_id=${id}&order=desc&limit=20`),
      ctx.api.get<ListOf<PaymentResponse>>(`/v1/payments?customer_id=${id}&limit=20`),
      ctx.api.get<ListOf<PaymentMethodResponse>>(`/v1/customers/${id}/payment_methods?limit=20`),
      ctx.api.get<ListOf<EventRow>>(`/v1/events?customer_id=${id}&order=desc&limit=30`),
    ]);
    await render(
      res,
      200,
      CustomerPage({
        ctx,
        customer,
        subscriptions: subs.data,
        invoices: invoices.data,
        payments: payments.data,
        methods: methods.data,
        events: events.data,
      }),
    );
  });

  // ---- Subscriptions: every command through subscription-actions.ts
  const temporalUrl = (workflowId: string): string | null =>
    deps.config.temporalUiUrl
      ? `${deps.config.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${enc(deps.config.temporalNamespace)}/workflows/${enc(workflowId)}`
      : null;

  async function subscriptionPage(
    req: Request,
    res: Response,
    status: number,
    extra: {
      draft?: ConsoleChangeDraft;
      preview?: subscriptions.ChangePreview | null;
      error?: { form: ConsoleForm; error: ApiError };
    } = {},
  ) {
    const ctx = adminContext(res);
    const subscription = await subscriptions.loadSubscription(ctx.api, param(req));
    const [offers, invoices, payments] = await Promise.all([
      subscriptions.planOffers(ctx.api, subscription),
      ctx.api.get<ListOf<InvoiceResponse>>(
        `/v1/invoices?subscription_id=${enc(subscription.id)}&order=desc&limit=20`,
      ),
      subscription.pastDue
        ? ctx.api.get<ListOf<PaymentResponse>>(
            `/v1/payments?invoice_id=${enc(subscription.pastDue.invoiceId)}&limit=20`,
          )
        : Promise.resolve({ data: [] as PaymentResponse[], has_more: false, next_cursor: null }),
    ]);
    await render(
      res,
      status,
      SubscriptionPage({
        ctx,
        subscription,
        offers,
        invoices: invoices.data,
        payments: payments.data,
        temporalUrl: temporalUrl(subscription.workflowId),
        notice: noticeOf(req, ctx),
        ...extra,
      }),
    );
  }

  /** The change a form describes; an unreadable quantity is sent as 0, so the API's own validation names it. */
  function draftOf(req: Request): ConsoleChangeDraft {
    const form = formOf(req);
    const timing = field(form, 'timing');
    const text = field(form, 'quantity');
    const number = Number(text);
    const quantity = text === undefined ? undefined : Number.isInteger(number) ? number : 0;
    const planId = field(form, 'plan_id') ?? '';
    const itemId = field(form, 'item_id') ?? '';
    const kind = field(form, 'kind');
    const change: subscriptions.ItemChange =
      kind === 'add'
        ? { kind, planId, quantity }
        : kind === 'update'
          ? { kind, itemId, quantity }
          : kind === 'remove'
            ? { kind, itemId }
            : { kind: 'base', ...(planId ? { planId } : {}), quantity };
    return { change, timing: timing === 'immediately' || timing === 'period_end' ? timing : '' };
  }

  router.get('/admin/subscriptions/:id', (req, res) => subscriptionPage(req, res, 200));

  router.post('/admin/subscriptions/:id/change/preview', async (req, res) => {
    const ctx = adminContext(res);
    const draft = draftOf(req);
    const preview = await subscriptions.previewItemChange(
      ctx.api,
      param(req),
      draft.change,
      draft.timing || undefined,
    );
    if (req.header('hx-request') === 'true' && preview.ok) {
      await render(
        res,
        200,
        ConsolePreview({ ctx, subscriptionId: param(req), draft, preview: preview.body }),
      );
      return;
    }
    // A refused preview: the whole page, its main swapped in, so the API's message shows beside its field.
    if (req.header('hx-request') === 'true') swapMain(res);
    await subscriptionPage(
      req,
      res,
      preview.ok || req.header('hx-request') === 'true' ? 200 : 422,
      preview.ok
        ? { draft, preview: preview.body }
        : { draft, error: { form: consoleFormOf(draft.change), error: preview.error } },
    );
  });

  async function subscriptionAction(
    req: Request,
    res: Response,
    form: ConsoleForm,
    action: string,
    done: string,
    send: (ctx: AdminContext, id: string) => ReturnType<typeof subscriptions.resume>,
    details: Record<string, unknown> = {},
  ) {
    const ctx = adminContext(res);
    const result = await send(ctx, param(req));
    if (!result.ok) {
      const draft = form === 'change' ? draftOf(req) : undefined;
      await subscriptionPage(req, res, result.status === 409 ? 409 : 422, {
        error: { form: draft ? consoleFormOf(draft.change) : form, error: result.error },
        ...(draft ? { draft } : {}),
      });
      return;
    }
    await audit(ctx, `subscription.${action}`, {
      subscriptionId: result.body.id,
      customerId: result.body.customer_id,
      ...details,
    });
    redirect(res, `/admin/subscriptions/${enc(param(req))}?done=${done}`);
  }

  router.post('/admin/subscriptions/:id/change', (req, res) => {
    const { change, timing } = draftOf(req);
    return subscriptionAction(
      req,
      res,
      'change',
      'changed',
      'changed',
      (ctx, id) => subscriptions.applyItemChange(ctx.api, id, change, timing || undefined),
      { change, ...(timing ? { timing } : {}) },
    );
  });
  router.post('/admin/subscriptions/:id/change/cancel', (req, res) =>
    subscriptionAction(req, res, 'drop', 'change_dropped', 'changeDropped', (ctx, id) =>
      subscriptions.cancelScheduledChange(ctx.api, id),
    ),
  );
  router.post('/admin/subscriptions/:id/pause', (req, res) => {
    const form = formOf(req);
    const at = field(form, 'at') === 'period_end' ? ('period_end' as const) : ('immediately' as const);
    const resumesAt = instantOf(field(form, 'resumes_at')) || null;
    return subscriptionAction(
      req,
      res,
      'pause',
      'paused',
      'paused',
      (ctx, id) => subscriptions.pause(ctx.api, id, { at, resumesAt }),
      { at, resumes_at: resumesAt },
    );
  });
  router.post('/admin/subscriptions/:id/resume', (req, res) =>
    subscriptionAction(req, res, 'resume', 'resumed', 'resumed', (ctx, id) =>
      subscriptions.resume(ctx.api, id),
    ),
  );
  router.post('/admin/subscriptions/:id/cancel', (req, res) => {
    const form = formOf(req);
    const at = field(form, 'at') === 'immediately' ? ('immediately' as const) : ('period_end' as const);
    const unusedField = field(form, 'unused');
    const unused = (['refund', 'credit', 'none'] as const).find((option) => option === unusedField);
    const reason = field(form, 'reason');
    const input = { at, ...(reason ? { reason } : {}), ...(unused ? { unused } : {}) };
    return subscriptionAction(
      req,
      res,
      'cancel',
      'canceled',
      'canceled',
      (ctx, id) => subscriptions.cancel(ctx.api, id, input),
      input,
    );
  });
  router.post('/admin/subscriptions/:id/reactivate', (req, res) =>
    subscriptionAction(req, res, 'undo', 'cancellation_undone', 'undone', (ctx, id) =>
      subscriptions.undoCancel(ctx.api, id),
    ),
  );

  // ---- Invoices
  router.get('/admin/invoices', async (req, res) => {
    const ctx = adminContext(res);
    const filter = {
      status: INVOICE_STATUSES.includes(query(req, 'status')) ? query(req, 'status') : '',
      from: /^\d{4}-\d{2}-\d{2}$/.test(query(req, 'from')) ? query(req, 'from') : '',
      to: /^\d{4}-\d{2}-\d{2}$/.test(query(req, 'to')) ? query(req, 'to') : '',
      customerId: query(req, 'customer_id'),
    };
    // "To" is inclusive: invoices created before the next day began.
    const until = filter.to
      ? new Date(Date.parse(`${filter.to}T00:00:00.000Z`) + 86_400_000).toISOString()
      : undefined;
    const page = await ctx.api.get<ListOf<InvoiceResponse>>(
      withQuery('/v1/invoices', {
        order: 'desc',
        limit: 25,
        status: filter.status,
        customer_id: filter.customerId,
        created_gte: filter.from ? `${filter.from}T00:00:00.000Z` : undefined,
        created_lt: until,
        starting_after: query(req, 'starting_after'),
      }),
    );
    await render(res, 200, InvoicesPage({ ctx, invoices: page.data, filter, next: page.next_cursor }));
  });

  async function invoicePage(
    req: Request,
    res: Response,
    status: number,
    extra: Partial<Parameters<typeof InvoicePage>[0]> = {},
  ) {
    const ctx = adminContext(res);
    const id = enc(param(req));
    const [invoice, payments, notes] = await Promise.all([
      ctx.api.get<InvoiceResponse>(`/v1/invoices/${id}`),
      ctx.api.get<ListOf<PaymentResponse>>(`/v1/payments?invoice_id=${id}&limit=50`),
      ctx.api.get<ListOf<CreditNoteResponse>>(`/v1/credit_notes?invoice_id=${id}&limit=50`),
    ]);
    const declined = query(req, 'declined').slice(0, 300);
    await render(
      res,
      status,
      InvoicePage({
        ctx,
        invoice,
        payments: payments.data,
        creditNotes: notes.data,
        notice: declined ? { kind: 'error', text: ctx.t.declined(declined) } : noticeOf(req, ctx),
        ...extra,
      }),
    );
  }

  router.get('/admin/invoices/:id', (req, res) => invoicePage(req, res, 200));

  router.get('/admin/invoices/:id/pdf', async (req, res) => {
    await adminContext(res).api.get<InvoiceResponse>(`/v1/invoices/${enc(param(req))}`);
    const answer = await adminContext(res).api.raw(`/v1/invoices/${enc(param(req))}/pdf`);
    res
      .status(200)
      .type('application/pdf')
      .setHeader('Content-Disposition', String(answer.headers['content-disposition'] ?? 'inline'))
      .send(answer.raw);
  });

  router.post('/admin/invoices/:id/void', async (req, res) => {
    const ctx = adminContext(res);
    const result = await ctx.api.send<InvoiceResponse>('POST', `/v1/invoices/${enc(param(req))}/void`, {});
    if (!result.ok)
      return invoicePage(req, res, result.status, { error: { form: 'void', error: result.error } });
    await audit(ctx, 'invoice.void', {
      customerId: result.body.customer_id,
      ...(result.body.subscription_id ? { subscriptionId: result.body.subscription_id } : {}),
      invoice_id: result.body.id,
      invoice_number: result.body.number,
    });
    redirect(res, `/admin/invoices/${enc(param(req))}?done=voided`);
  });

  router.post('/admin/invoices/:id/pay', async (req, res) => {
    const ctx = adminContext(res);
    const result = await ctx.api.send<InvoiceResponse & { payment: PaymentResponse | null }>(
      'POST',
      `/v1/invoices/${enc(param(req))}/pay`,
      {},
    );
    if (!result.ok)
      return invoicePage(req, res, result.status, { error: { form: 'pay', error: result.error } });
    await audit(ctx, 'invoice.pay', {
      customerId: result.body.customer_id,
      ...(result.body.subscription_id ? { subscriptionId: result.body.subscription_id } : {}),
      invoice_id: result.body.id,
      outcome: result.body.payment?.status ?? null,
    });
    if (result.body.status === 'paid') return redirect(res, `/admin/invoices/${enc(param(req))}?done=paid`);
    const message =
      result.body.payment?.outcome?.failure_message ?? result.body.payment?.status ?? 'declined';
    redirect(res, withQuery(`/admin/invoices/${enc(param(req))}`, { declined: message }));
  });

  router.post('/admin/invoices/:id/credit_notes', async (req, res) => {
    const ctx = adminContext(res);
    const form = formOf(req);
    const amount = Number(field(form, 'amount'));
    const result = await ctx.api.send<CreditNoteResponse>(
      'POST',
      '/v1/credit_notes',
      {
        invoice_id: param(req),
        amount: Number.isFinite(amount) ? amount : null,
        reason: field(form, 'reason') ?? '',
        outcome: field(form, 'outcome') ?? '',
      },
      `console-credit-note-${randomBytes(12).toString('hex')}`,
    );
    if (!result.ok) {
      return invoicePage(req, res, result.status, {
        error: { form: 'credit', error: result.error },
        creditForm: form,
      });
    }
    await audit(ctx, 'credit_note.create', {
      customerId: result.body.customer_id,
      invoice_id: result.body.invoice_id,
      credit_note_id: result.body.id,
      amount: result.body.amount,
      currency: result.body.currency,
      outcome: result.body.outcome,
    });
    redirect(res, `/admin/invoices/${enc(param(req))}?done=credited`);
  });

  // ---- Dunning queue: past-due and unpaid subscriptions; the read model holds their attempts and next retry.
  router.get('/admin/dunning', async (req, res) => {
    const ctx = adminContext(res);
    const [pastDue, unpaid] = await Promise.all([
      subscriptions.listSubscriptions(ctx.api, {
        status: 'past_due',
        limit: 20,
        startingAfter: query(req, 'past_due_after') || undefined,
      }),
      subscriptions.listSubscriptions(ctx.api, {
        status: 'unpaid',
        limit: 20,
        startingAfter: query(req, 'unpaid_after') || undefined,
      }),
    ]);
    await render(
      res,
      200,
      DunningPage({
        ctx,
        pastDue: pastDue.data,
        unpaid: unpaid.data,
        nextPastDue: pastDue.next_cursor,
        nextUnpaid: unpaid.next_cursor,
      }),
    );
  });

  // ---- Webhooks
  async function webhooksPage(
    req: Request,
    res: Response,
    status: number,
    extra: Partial<Parameters<typeof WebhooksPage>[0]> = {},
  ) {
    const ctx = adminContext(res);
    const page = await ctx.api.get<ListOf<WebhookEndpointResponse>>(
      withQuery('/v1/webhook_endpoints', { limit: 25, starting_after: query(req, 'starting_after') }),
    );
    await render(res, status, WebhooksPage({ ctx, endpoints: page.data, next: page.next_cursor, ...extra }));
  }

  router.get('/admin/webhooks', (req, res) => webhooksPage(req, res, 200));

  router.post('/admin/webhooks', async (req, res) => {
    const ctx = adminContext(res);
    const form = formOf(req);
    const events = (field(form, 'enabled_events') ?? '')
      .split(',')
      .map((type) => type.trim())
      .filter(Boolean);
    const result = await ctx.api.send<WebhookEndpointResponse & { secret: string }>(
      'POST',
      '/v1/webhook_endpoints',
      {
        url: field(form, 'url') ?? '',
        enabled_events: events,
      },
    );
    if (!result.ok) return webhooksPage(req, res, result.status, { error: result.error, form });
    await audit(ctx, 'webhook_endpoint.create', { endpoint_id: result.body.id, url: result.body.url });
    // The secret is shown on this answer only; it is never stored anywhere the console could show it again.
    await webhooksPage(req, res, 201, { secret: { endpointId: result.body.id, secret: result.body.secret } });
  });

  async function endpointPage(req: Request, res: Response, status: number, error: ApiError | null = null) {
    const ctx = adminContext(res);
    const id = enc(param(req));
    const [endpoint, deliveries] = await Promise.all([
      ctx.api.get<WebhookEndpointResponse>(`/v1/webhook_endpoints/${id}`),
      ctx.api.get<ListOf<WebhookDeliveryResponse>>(
        withQuery(`/v1/webhook_endpoints/${id}/deliveries`, {
          order: 'desc',
          limit: 20,
          starting_after: query(req, 'starting_after'),
        }),
      ),
    ]);
    await render(
      res,
      status,
      WebhookEndpointPage({
        ctx,
        endpoint,
        deliveries: deliveries.data,
        next: deliveries.next_cursor,
        error,
        notice: noticeOf(req, ctx),
      }),
    );
  }

  router.get('/admin/webhooks/:id', (req, res) => endpointPage(req, res, 200));

  router.post('/admin/webhooks/:id/deliveries/:delivery/redeliver', async (req, res) => {
    const ctx = adminContext(res);
    const result = await ctx.api.send<WebhookDeliveryResponse>(
      'POST',
      `/v1/webhook_deliveries/${enc(param(req, 'delivery'))}/redeliver`,
      {},
    );
    if (!result.ok) return endpointPage(req, res, result.status, result.error);
    await audit(ctx, 'webhook_delivery.redeliver', {
      delivery_id: result.body.id,
      endpoint_id: result.body.endpoint_id,
      event_id: result.body.event_id,
    });
    redirect(res, `/admin/webhooks/${enc(param(req))}?done=redelivered`);
  });

  // ---- Test clocks
  async function clocksPage(
    req: Request,
    res: Response,
    status: number,
    extra: Partial<Parameters<typeof TestClocksPage>[0]> = {},
  ) {
    const ctx = adminContext(res);
    const page = await ctx.api.get<ListOf<TestClockResponse>>(
      withQuery('/v1/test_clocks', { limit: 25, starting_after: query(req, 'starting_after') }),
    );
    await render(
      res,
      status,
      TestClocksPage({
        ctx,
        clocks: page.data,
        next: page.next_cursor,
        notice: noticeOf(req, ctx),
        ...extra,
      }),
    );
  }

  router.get('/admin/test-clocks', (req, res) => clocksPage(req, res, 200));

  router.post('/admin/test-clocks', async (req, res) => {
    const ctx = adminContext(res);
    const form = formOf(req);
    const result = await ctx.api.send<TestClockResponse>('POST', '/v1/test_clocks', {
      frozen_time: instantOf(field(form, 'frozen_time')),
      ...(field(form, 'name') ? { name: field(form, 'name') } : {}),
    });
    if (!result.ok) return clocksPage(req, res, result.status, { error: result.error, form });
    await audit(ctx, 'test_clock.create', {
      test_clock_id: result.body.id,
      frozen_time: result.body.frozen_time,
    });
    redirect(res, `/admin/test-clocks/${enc(result.body.id)}?done=clockCreated`);
  });

  async function clockPage(
    req: Request,
    res: Response,
    status: number,
    extra: Partial<Parameters<typeof TestClockPage>[0]> = {},
  ) {
    const ctx = adminContext(res);
    const id = enc(param(req));
    const [clock, customers] = await Promise.all([
      ctx.api.get<TestClockResponse>(`/v1/test_clocks/${id}`),
      ctx.api.get<ListOf<CustomerResponse>>(`/v1/customers?test_clock_id=${id}&limit=50`),
    ]);
    await render(
      res,
      status,
      TestClockPage({ ctx, clock, customers: customers.data, notice: noticeOf(req, ctx), ...extra }),
    );
  }

  router.get('/admin/test-clocks/:id', (req, res) => clockPage(req, res, 200));

  router.get('/admin/test-clocks/:id/status', async (req, res) => {
    const ctx = adminContext(res);
    const clock = await ctx.api.get<TestClockResponse>(`/v1/test_clocks/${enc(param(req))}`);
    await render(res, 200, ClockStatus({ ctx, clock }));
  });

  router.post('/admin/test-clocks/:id/advance', async (req, res) => {
    const ctx = adminContext(res);
    const form = formOf(req);
    const result = await ctx.api.send<TestClockResponse>(
      'POST',
      `/v1/test_clocks/${enc(param(req))}/advance`,
      {
        frozen_time: instantOf(field(form, 'frozen_time')),
      },
    );
    if (!result.ok)
      return clockPage(req, res, result.status, { error: { form: 'advance', error: result.error }, form });
    await audit(ctx, 'test_clock.advance', {
      test_clock_id: result.body.id,
      frozen_time: result.body.frozen_time,
    });
    redirect(res, `/admin/test-clocks/${enc(param(req))}?done=advanced`);
  });

  router.post('/admin/test-clocks/:id/customers', async (req, res) => {
    const ctx = adminContext(res);
    const form = formOf(req);
    const created = await ctx.api.send<CustomerResponse>('POST', '/v1/customers', {
      name: field(form, 'name') ?? '',
      email: field(form, 'email') ?? '',
      country: field(form, 'country') ?? '',
      locale: field(form, 'locale') ?? 'en',
      test_clock_id: param(req),
    });
    if (!created.ok)
      return clockPage(req, res, created.status, { error: { form: 'customer', error: created.error }, form });
    const token = field(form, 'token');
    if (token) {
      const card = await ctx.api.send<PaymentMethodResponse>(
        'POST',
        `/v1/customers/${enc(created.body.id)}/payment_methods`,
        {
          gateway: deps.config.gateway ?? 'sandbox',
          token,
        },
      );
      if (!card.ok)
        return clockPage(req, res, card.status, { error: { form: 'customer', error: card.error }, form });
    }
    await audit(ctx, 'test_clock.customer_added', { customerId: created.body.id, test_clock_id: param(req) });
    redirect(res, `/admin/test-clocks/${enc(param(req))}?done=customerAdded`);
  });

  // ---- Settings: every form puts the whole object back (PUT replaces it), changed only in its own fields.
  async function settingsPage(
    req: Request,
    res: Response,
    status: number,
    extra: Partial<Parameters<typeof SettingsPage>[0]> = {},
  ) {
    const ctx = adminContext(res);
    const answer = await ctx.api.send<SettingsResponse>('GET', '/v1/settings');
    await render(
      res,
      status,
      SettingsPage({
        ctx,
        settings: answer.ok ? answer.body : null,
        mailFrom: deps.config.mailFrom,
        notice: noticeOf(req, ctx),
        editCountry: query(req, 'tax_country').toUpperCase(),
        ...extra,
      }),
    );
  }

  /** The settings as stored, or null before the seller details were first saved. */
  async function currentSettings(ctx: AdminContext): Promise<SettingsResponse | null> {
    const answer = await ctx.api.send<SettingsResponse>('GET', '/v1/settings');
    return answer.ok ? answer.body : null;
  }

  router.get('/admin/settings', (req, res) => settingsPage(req, res, 200));

  router.post('/admin/settings', async (req, res) => {
    const ctx = adminContext(res);
    const form = formOf(req);
    const value = (name: string) => field(form, name);
    const list = (name: string) =>
      (value(name) ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    const current = await currentSettings(ctx);
    const base: Partial<PutSettingsInput> = current ? putBodyOf(current) : {};
    const country = value('country') ?? '';
    const senderName = value('email_sender.name');
    const senderAddress = value('email_sender.address');
    const body = {
      ...base,
      name: value('name') ?? '',
      address: {
        ...base.address,
        line1: value('address.line1') ?? '',
        postal_code: value('address.postal_code') ?? '',
        city: value('address.city') ?? '',
        country,
      },
      country,
      vat_id: value('vat_id') ?? null,
      ...(value('invoice_prefix') !== undefined ? { invoice_prefix: value('invoice_prefix') } : {}),
      ...(value('time_zone') ? { time_zone: value('time_zone') } : {}),
      default_currency: value('default_currency') ?? '',
      dunning_policy: {
        retry_offsets_days: list('dunning_policy.retry_offsets_days').map((day) =>
          /^\d+$/.test(day) ? Number(day) : day,
        ),
        notices: list('dunning_policy.notices'),
        final_action: value('dunning_policy.final_action') ?? '',
      },
      // Both empty: the emails go out as MAIL_FROM. One of them alone is sent as it is, for the API to name.
      email_sender:
        senderName === undefined && senderAddress === undefined
          ? null
          : { name: senderName ?? '', address: senderAddress ?? '' },
      // Empty: the seller receives no notices.
      notification_email: value('notification_email') ?? null,
      ...(value('notification_locale') ? { notification_locale: value('notification_locale') } : {}),
    };
    const result = await ctx.api.send<SettingsResponse>('PUT', '/v1/settings', body);
    if (!result.ok) return settingsPage(req, res, result.status, { error: result.error, form });
    await audit(ctx, 'settings.update', { settings: body });
    redirect(res, '/admin/settings?done=saved');
  });

  /** A tax form's refusal, beside the field it concerns (`tax_rates.CH.standard` → the standard rate's field). */
  const taxError = (error: ApiError): ApiError => {
    const taxField = taxRateFieldOf(error.param);
    return taxField ? { ...error, param: `tax_${taxField}` } : error;
  };

  router.post('/admin/settings/tax-rates', async (req, res) => {
    const ctx = adminContext(res);
    const form = formOf(req);
    const country = (field(form, 'tax_country') ?? '').toUpperCase();
    const refuse = (param: string, message: string) =>
      settingsPage(req, res, 400, {
        taxForm: form,
        taxError: { type: 'invalid_request_error', code: 'invalid_parameter', message, param },
      });
    const standardText = field(form, 'tax_standard') ?? '';
    const reducedText = field(form, 'tax_reduced');
    // Percentages become basis points from their digits here; the API judges the rate itself.
    const standard = basisPointsOfPercent(standardText);
    if (standard === null) return refuse('tax_standard', ctx.t.percentInvalid);
    const reduced = reducedText === undefined ? undefined : basisPointsOfPercent(reducedText);
    if (reduced === null) return refuse('tax_reduced', ctx.t.percentInvalid);
    const current = await currentSettings(ctx);
    if (!current) return refuse('tax_country', ctx.t.settingsFirst);
    const rate = { standard, ...(reduced === undefined ? {} : { reduced }) };
    const result = await ctx.api.send<SettingsResponse>('PUT', '/v1/settings', {
      ...putBodyOf(current),
      tax_rates: { ...current.tax_rates, [country]: rate },
    });
    if (!result.ok) {
      return settingsPage(req, res, result.status, { taxForm: form, taxError: taxError(result.error) });
    }
    await audit(ctx, 'tax_rate.set', {
      country,
      ...(result.body.tax_rates[country] ?? rate),
      previous: current.tax_rates[country] ?? null,
    });
    redirect(res, '/admin/settings?done=taxRateSaved#tax-rates');
  });

  router.post('/admin/settings/tax-rates/:country/remove', async (req, res) => {
    const ctx = adminContext(res);
    const country = param(req, 'country');
    const current = await currentSettings(ctx);
    // Only a country the settings hold: the name comes from the URL, and a plain object has inherited keys.
    const previous =
      current && /^[A-Z]{2}$/.test(country) && Object.hasOwn(current.tax_rates, country)
        ? current.tax_rates[country]
        : undefined;
    if (!current || !previous)
      return settingsPage(req, res, 404, {
        taxError: { type: 'not_found', code: 'not_found', message: ctx.t.notFoundText },
      });
    const rates = Object.fromEntries(Object.entries(current.tax_rates).filter(([code]) => code !== country));
    const result = await ctx.api.send<SettingsResponse>('PUT', '/v1/settings', {
      ...putBodyOf(current),
      tax_rates: rates,
    });
    if (!result.ok) return settingsPage(req, res, result.status, { taxError: taxError(result.error) });
    await audit(ctx, 'tax_rate.remove', { country, previous });
    redirect(res, '/admin/settings?done=taxRateRemoved#tax-rates');
  });

  // ---- API keys: the same service as `npm run keys:create`; only an admin sees a new secret, once.
  async function keysPage(
    req: Request,
    res: Response,
    status: number,
    extra: Partial<Parameters<typeof ApiKeysPage>[0]> = {},
  ) {
    const ctx = adminContext(res);
    const page = await listSecretApiKeys(deps.orm.em.fork(), {
      limit: 25,
      startingAfter: query(req, 'starting_after') || undefined,
    });
    await render(
      res,
      status,
      ApiKeysPage({
        ctx,
        keys: page.keys.map((key) => ({
          id: key.id,
          name: key.name,
          prefix: key.prefix,
          createdAt: key.createdAt.toISOString(),
          revokedAt: key.revokedAt?.toISOString() ?? null,
        })),
        next: page.nextCursor,
        notice: noticeOf(req, ctx),
        ...extra,
      }),
    );
  }

  router.get('/admin/api-keys', (req, res) => keysPage(req, res, 200));

  router.post('/admin/api-keys', async (req, res) => {
    const ctx = adminContext(res);
    const name = field(formOf(req), 'name');
    if (!name || name.length > 100) return keysPage(req, res, 400, { error: `${ctx.t.keyName}: 1–100` });
    const { secret, key } = await createApiKey(deps.orm.em.fork(), name);
    await audit(ctx, 'api_key.create', { api_key_id: key.id, name, prefix: key.prefix });
    await keysPage(req, res, 201, { secret });
  });

  router.post('/admin/api-keys/:id/revoke', async (req, res) => {
    const ctx = adminContext(res);
    const key = /^[0-9a-f-]{36}$/.test(param(req))
      ? await revokeApiKey(deps.orm.em.fork(), 'secret', { id: param(req) })
      : null;
    if (!key) return keysPage(req, res, 404, { error: ctx.t.notFoundText });
    deps.forgetApiKey(key.hash);
    await audit(ctx, 'api_key.revoke', { api_key_id: key.id, name: key.name, prefix: key.prefix });
    redirect(res, '/admin/api-keys?done=revoked');
  });

  return router;
}
