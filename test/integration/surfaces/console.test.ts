import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createConsoleUser } from '../../../src/db/services/console-users';
import { type ApiCall, ok, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { DESKTOP, launchBrowser, visit, watchedPage } from '../../support/browser';
import { mainText, seedCatalogue, subscriberOnClock, untilClockReady } from '../../support/surfaces';

const TEMPORAL_UI = 'http://temporal-ui.test:8233';
const OPERATOR = { email: 'olga.ops@example.test', password: 'correct horse battery staple' };
const VIEWER = { email: 'vera.viewer@example.test', password: 'viewer password 2027' };

/**
 * The operator console in a real browser: sign-in, roles, CSRF, the dunning queue down to one invoice, and every
 * page under axe-core and the strict Content-Security-Policy, in English and German.
 */
describe('operator console in a browser', () => {
  let stack: ApiStack;
  let browser: Browser;
  let secret: ApiCall;
  let pastDue: { customerId: string; subscriptionId: string; invoiceId: string };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startApiStack('console-browser', {
        listen: true,
        config: {
          TEMPORAL_UI_URL: TEMPORAL_UI,
          TEMPORAL_NAMESPACE: 'default',
          MAIL_FROM: 'Billing <billing@example.test>',
        },
      }),
      launchBrowser(),
    ]);
    secret = supertestCall(stack.app, stack.auth);
    // As `npm run admin:create` does.
    await createConsoleUser(stack.db.orm.em.fork(), { ...OPERATOR, name: 'Olga Ops', role: 'admin' });
    await createConsoleUser(stack.db.orm.em.fork(), { ...VIEWER, name: 'Vera Viewer', role: 'viewer' });
    const plans = await seedCatalogue(secret);
    // A renewal declined on the clock: the subscription is past due with its invoice open.
    const subscriber = await subscriberOnClock(secret, {
      frozenTime: '2027-01-10T09:00:00.000Z',
      email: 'late.payer@example.test',
      name: 'Lars Late',
      locale: 'de',
      planId: plans.smallPlanId,
    });
    const declining = await ok(secret, 'POST', `/v1/customers/${subscriber.customerId}/payment_methods`, {
      gateway: 'sandbox',
      token: 'tok_chargeDeclinedInsufficientFunds',
    });
    await ok(secret, 'POST', `/v1/subscriptions/${subscriber.subscriptionId}/payment_method`, {
      payment_method_id: declining.id,
    });
    await ok(secret, 'POST', `/v1/test_clocks/${subscriber.clockId}/advance`, {
      frozen_time: '2027-02-10T10:00:00.000Z',
    });
    await untilClockReady(secret, subscriber.clockId);
    const subscription = await ok(secret, 'GET', `/v1/subscriptions/${subscriber.subscriptionId}`);
    expect(subscription.status).toBe('past_due');
    pastDue = { ...subscriber, invoiceId: (subscription.past_due as { invoice_id: string }).invoice_id };
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.close();
  });

  const url = (path: string) => `${stack.url}${path}`;

  async function signedIn(user: {
    email: string;
    password: string;
  }): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    contexts.push(context);
    // The Temporal Web UI is not part of this stack: a stand-in answers for it, so following the link can be seen.
    await context.route(`${TEMPORAL_UI}/**`, (route) =>
      route.fulfill({ status: 200, body: 'Temporal Web UI' }),
    );
    const watched = await watchedPage(context);
    await watched.page.goto(url('/admin'));
    expect(new URL(watched.page.url()).pathname).toBe('/admin/login');
    await watched.page.getByLabel('Email').fill(user.email);
    await watched.page.getByLabel('Password').fill(user.password);
    await watched.page.getByRole('button', { name: 'Sign in' }).click();
    await watched.page.waitForURL(url('/admin'));
    return watched;
  }

  test('an operator signs in, finds the past-due subscription from the dunning queue, opens its Temporal link, voids its invoice, and the event names the operator', async () => {
    const { page, problems } = await signedIn(OPERATOR);
    const violations: string[] = [];
    const cookie = (await page.context().cookies()).find((c) => c.name === 'perennial_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/admin' });

    await page.getByRole('link', { name: 'Dunning' }).click();
    await page.waitForURL(url('/admin/dunning'));
    violations.push(...(await visit(page, page.url())).violations);
    const row = page.locator('tr', { hasText: pastDue.subscriptionId });
    expect(await row.innerText()).toMatch(/past due\s+1\s+/);
    await row.getByRole('link', { name: pastDue.subscriptionId }).click();
    await page.waitForURL(url(`/admin/subscriptions/${pastDue.subscriptionId}`));
    violations.push(...(await visit(page, page.url())).violations);

    const temporal = page.locator('#temporal-link');
    const expected = `${TEMPORAL_UI}/namespaces/default/workflows/subscription-${pastDue.subscriptionId}`;
    expect(await temporal.getAttribute('href')).toBe(expected);
    const [opened] = await Promise.all([page.context().waitForEvent('page'), temporal.click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toBe(expected);
    await opened.close();

    await page.getByRole('link', { name: pastDue.invoiceId }).first().click();
    await page.waitForURL(url(`/admin/invoices/${pastDue.invoiceId}`));
    violations.push(...(await visit(page, page.url())).violations);
    await page.getByRole('button', { name: 'Void' }).click();
    await page.waitForURL(/done=voided/);
    expect(await mainText(page)).toContain('The invoice is void.');
    expect(await ok(secret, 'GET', `/v1/invoices/${pastDue.invoiceId}`)).toMatchObject({ status: 'void' });
    // Voiding the invoice its dunning was collecting ends the episode, as through the API.
    expect(await ok(secret, 'GET', `/v1/subscriptions/${pastDue.subscriptionId}`)).toMatchObject({
      status: 'active',
    });

    const events = (await ok(secret, 'GET', '/v1/events?type=console.invoice.void')).data as {
      subscription_id: string;
      data: { actor: { email: string; type: string }; invoice_id: string };
    }[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subscription_id: pastDue.subscriptionId,
      data: { actor: { type: 'console_user', email: OPERATOR.email }, invoice_id: pastDue.invoiceId },
    });
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
  });

  test('every console page passes axe in English and German, with screenshots of the main ones', async () => {
    const { page, problems } = await signedIn(OPERATOR);
    const clock = await ok(secret, 'POST', '/v1/test_clocks', {
      frozen_time: '2027-06-01T00:00:00.000Z',
      name: 'Demo clock',
    });
    const violations: string[] = [];
    for (const locale of ['en', 'de'] as const) {
      await page.goto(url('/admin'));
      await page.locator('header select[name=locale]').selectOption(locale);
      await page.locator('header form[action="/admin/language"] button').click();
      await page.waitForLoadState();
      expect(await page.getAttribute('html', 'lang')).toBe(locale);
      for (const [path, shot] of [
        ['/admin', 'dashboard'],
        ['/admin/customers', 'customers'],
        [`/admin/customers/${pastDue.customerId}`, 'customer'],
        [`/admin/subscriptions/${pastDue.subscriptionId}`, 'subscription'],
        ['/admin/invoices', 'invoices'],
        [`/admin/invoices/${pastDue.invoiceId}`, 'invoice'],
        ['/admin/dunning', 'dunning'],
        ['/admin/events', 'events'],
        ['/admin/webhooks', 'webhooks'],
        ['/admin/test-clocks', 'test-clocks'],
        [`/admin/test-clocks/${String(clock.id)}`, 'test-clock'],
        ['/admin/settings', 'settings'],
        ['/admin/api-keys', 'api-keys'],
      ] as const) {
        const visited = await visit(page, url(path), { screenshot: `console-${shot}-${locale}` });
        expect([path, visited.status]).toEqual([path, 200]);
        violations.push(...visited.violations);
      }
    }
    expect(await mainText(page)).toContain('API-Schlüssel');
    // Back to English for the tests that follow: the language is the console user's, kept with them.
    await page.locator('header select[name=locale]').selectOption('en');
    await page.locator('header form[action="/admin/language"] button').click();
    await page.waitForLoadState();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
  });

  test('a viewer reads every page but sees no action and cannot act; posts without the CSRF token are refused', async () => {
    const viewer = await signedIn(VIEWER);
    await viewer.page.goto(url(`/admin/invoices/${pastDue.invoiceId}`));
    expect(await mainText(viewer.page)).toContain('You are signed in as a viewer');
    expect(await viewer.page.getByRole('button', { name: 'Pay now' }).count()).toBe(0);
    const csrf = await viewer.page.locator('input[name=_csrf]').first().inputValue();
    const refused = await viewer.page.request.post(
      url(`/admin/subscriptions/${pastDue.subscriptionId}/pause`),
      {
        form: { _csrf: csrf, at: 'immediately' },
      },
    );
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('Your role is viewer');
    expect(await ok(secret, 'GET', `/v1/subscriptions/${pastDue.subscriptionId}`)).toMatchObject({
      status: 'active',
    });

    const operator = await signedIn(OPERATOR);
    const withoutToken = await operator.page.request.post(
      url(`/admin/subscriptions/${pastDue.subscriptionId}/pause`),
      {
        form: { at: 'immediately' },
      },
    );
    expect(withoutToken.status()).toBe(403);
    const wrongToken = await operator.page.request.post(
      url(`/admin/subscriptions/${pastDue.subscriptionId}/pause`),
      {
        form: { _csrf: csrf, at: 'immediately' },
      },
    );
    expect(wrongToken.status()).toBe(403);
    expect(await ok(secret, 'GET', `/v1/subscriptions/${pastDue.subscriptionId}`)).toMatchObject({
      status: 'active',
    });
    // The sign-in form has its own token: a cross-site login post is refused too.
    const crossSiteLogin = await browser.newContext();
    contexts.push(crossSiteLogin);
    const login = await crossSiteLogin.request.post(url('/admin/login'), {
      form: { email: OPERATOR.email, password: OPERATOR.password },
    });
    expect(login.status()).toBe(403);
  });

  test('an operator pauses a subscription until a date and resumes it through the same API commands, each named in the audit log', async () => {
    const { page, problems } = await signedIn(OPERATOR);
    await page.goto(url(`/admin/subscriptions/${pastDue.subscriptionId}`));
    await page.getByText('Pause', { exact: true }).first().click();
    await page.getByLabel('Resume on (optional)').fill('2027-04-01');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.waitForURL(/done=paused/);
    expect(await ok(secret, 'GET', `/v1/subscriptions/${pastDue.subscriptionId}`)).toMatchObject({
      status: 'paused',
      pause: { resumes_at: '2027-04-01T00:00:00.000Z' },
    });
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForURL(/done=resumed/);
    // Resuming starts a new period, charged at once to the card on file, which still declines: past due again.
    expect(await ok(secret, 'GET', `/v1/subscriptions/${pastDue.subscriptionId}`)).toMatchObject({
      status: 'past_due',
      pause: null,
    });
    const audit = (
      await ok(secret, 'GET', `/v1/events?subscription_id=${pastDue.subscriptionId}&order=desc&limit=100`)
    ).data as { type: string; data: { actor?: { email: string } } }[];
    expect(
      audit
        .filter((event) => event.type.startsWith('console.subscription.'))
        .map((event) => [event.type, event.data.actor?.email]),
    ).toEqual([
      ['console.subscription.resumed', OPERATOR.email],
      ['console.subscription.paused', OPERATOR.email],
    ]);
    expect(problems).toEqual([]);
  });

  test('an API key created in the console is shown once and works; revoked, it is refused', async () => {
    const { page } = await signedIn(OPERATOR);
    await page.goto(url('/admin/api-keys'));
    await page.getByLabel('Name').fill('reporting');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const key = (await page.locator('#new-secret').innerText()).trim();
    expect(key).toMatch(/^sk_/);
    const withKey = supertestCall(stack.app, { Authorization: `Bearer ${key}` });
    expect((await withKey('GET', '/v1/customers')).status).toBe(200);
    await page.goto(url('/admin/api-keys'));
    expect(await page.locator('#new-secret').count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke: reporting' }).click();
    await page.waitForURL(/done=revoked/);
    expect((await withKey('GET', '/v1/customers')).status).toBe(401);
    const audit = (await ok(secret, 'GET', '/v1/events?type=console.api_key.revoke')).data as {
      data: { actor: { email: string } };
    }[];
    expect(audit.map((event) => event.data.actor.email)).toEqual([OPERATOR.email]);
  });

  test('sign-in attempts are limited: after five wrong passwords for one email even the right one waits', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const attempt = async (password: string) => {
      await page.goto(url('/admin/login'));
      await page.getByLabel('Email').fill(VIEWER.email);
      await page.getByLabel('Password').fill(password);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === url('/admin/login') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      return response.status();
    };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push(await attempt('wrong password!!'));
    statuses.push(await attempt(VIEWER.password));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect(await mainText(page)).toContain('Too many sign-in attempts');
  });
});
