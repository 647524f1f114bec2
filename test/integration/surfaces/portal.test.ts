import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SurfacesDeps } from '../../../src/surfaces/deps';
import { PortalEntry } from '../../../src/db/entities';
import { portalRouter } from '../../../src/portal/router';
import { signedPortalUrl } from '../../../src/portal/links';
import { type ApiCall, ok, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack, TEST_PORTAL_LINK_SECRET } from '../../support/api-stack';
import {
  DESKTOP,
  launchBrowser,
  PHONE,
  screenshot,
  seriousViolations,
  visit,
  watchedPage,
} from '../../support/browser';
import {
  mainText,
  openPortal,
  seedCatalogue,
  subscriberOnClock,
  untilClockReady,
} from '../../support/surfaces';

/** Method and path of every portal route with an object id in its path, read from the router itself. */
function portalRoutesNamingObjects(): [string, string][] {
  const router = portalRouter({} as SurfacesDeps) as unknown as {
    stack: { route?: { path: string; methods: Record<string, boolean> } }[];
  };
  return router.stack
    .filter((layer) => layer.route?.path.includes(':id'))
    .flatMap((layer) =>
      Object.keys(layer.route?.methods ?? {}).map((method): [string, string] => [
        method,
        String(layer.route?.path),
      ]),
    );
}

/**
 * The customer portal in a real browser: signed in by a portal session's url or an email's signed link, reading
 * and acting through the JSON API as that one customer. Every page visited is checked with axe-core and under the
 * strict Content-Security-Policy (no refusal may show up in the console).
 */
describe('customer portal in a browser', () => {
  let stack: ApiStack;
  let browser: Browser;
  let secret: ApiCall;
  let plans: { smallPlanId: string; largePlanId: string };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startApiStack('portal-browser', { listen: true }),
      launchBrowser(),
    ]);
    secret = supertestCall(stack.app, stack.auth);
    plans = await seedCatalogue(secret);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.close();
  });

  async function customerPage(viewport = DESKTOP): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport, locale: 'en-US' });
    contexts.push(context);
    return watchedPage(context);
  }

  const url = (path: string) => `${stack.url}${path}`;

  test('a portal session url signs the customer in once and every page reads in their language; a reused or expired url is refused with a page saying so', async () => {
    const violations: string[] = [];
    let customerId = '';
    for (const locale of ['de', 'en'] as const) {
      const erika = await subscriberOnClock(secret, {
        frozenTime: '2027-01-10T09:00:00.000Z',
        email: `portal-${locale}@example.test`,
        name: locale === 'de' ? 'Erika Mustermann' : 'Emily Example',
        locale,
        planId: plans.smallPlanId,
      });
      customerId = erika.customerId;
      const { page, problems } = await customerPage();
      const sessionUrl = await openPortal(
        secret,
        page,
        erika.customerId,
        'https://shop.example.test/account',
      );
      expect(new URL(page.url()).pathname).toBe('/portal');
      const cookie = (await page.context().cookies()).find((c) => c.name === 'perennial_portal');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/portal' });
      const overview = await mainText(page);
      expect(overview).toContain(locale === 'de' ? 'Ihr Konto' : 'Your account');
      expect(overview).toContain('Monthly beans × 1');
      // Next invoice: the period end on the clock, 19.00 EUR before tax, in the customer's own format.
      expect(overview).toContain(
        locale === 'de' ? '10. Februar 2027: 19,00 € zzgl. USt.' : 'February 10, 2027: €19.00 plus tax',
      );
      violations.push(
        ...(await visit(page, url('/portal'), { screenshot: `portal-overview-${locale}` })).violations,
      );
      for (const [path, name] of [
        ['/portal/invoices', 'invoices'],
        [`/portal/subscriptions/${erika.subscriptionId}`, 'subscription'],
        ['/portal/payment-method', 'payment-method'],
        ['/portal/billing', 'billing'],
      ] as const) {
        const visited = await visit(page, url(path), { screenshot: `portal-${name}-${locale}` });
        expect([path, visited.status]).toEqual([path, 200]);
        violations.push(...visited.violations);
      }
      expect(
        await page
          .getByRole('link', {
            name: locale === 'de' ? 'Zurück zu Rösterei Beispiel GmbH' : 'Back to Rösterei Beispiel GmbH',
          })
          .getAttribute('href'),
      ).toBe('https://shop.example.test/account');

      // The same url a second time, even in another browser, opens nothing.
      const { page: other } = await customerPage();
      const reused = await other.goto(sessionUrl);
      expect(reused?.status()).toBe(410);
      // Whose url it was is known, so the refusal speaks their language.
      expect(await mainText(other)).toContain(
        locale === 'de' ? 'Dieser Link wurde bereits verwendet' : 'This link has already been used',
      );
      violations.push(...(await visit(other, sessionUrl)).violations);
      expect(problems).toEqual([]);
    }

    // An unused url past its five minutes is refused as expired.
    const late = await ok(secret, 'POST', '/v1/portal_sessions', { customer_id: customerId });
    await stack.db.orm.em
      .fork()
      .nativeUpdate(
        PortalEntry,
        { kind: 'session_url', usedAt: null },
        { expiresAt: new Date(Date.now() - 1000) },
      );
    const { page } = await customerPage();
    const expired = await page.goto(String(late.url));
    expect(expired?.status()).toBe(410);
    expect(await mainText(page)).toContain('This link has expired');
    expect(violations).toEqual([]);
  });

  test('a customer upgrades with the preview shown and the invoice equals the preview line for line; pauses with a resume date, resumes; cancels at period end and undoes it; downloads a PDF', async () => {
    const { customerId, subscriptionId, clockId } = await subscriberOnClock(secret, {
      frozenTime: '2027-03-01T00:00:00.000Z',
      email: 'upgrade@example.test',
      name: 'Uwe Upgrade',
      locale: 'en',
      planId: plans.smallPlanId,
    });
    // Halfway through March on the clock: the change is prorated over the remaining half.
    await ok(secret, 'POST', `/v1/test_clocks/${clockId}/advance`, {
      frozen_time: '2027-03-16T12:00:00.000Z',
    });
    await untilClockReady(secret, clockId);
    const { page, problems } = await customerPage(PHONE);
    const violations: string[] = [];
    await openPortal(secret, page, customerId);
    await page.goto(url(`/portal/subscriptions/${subscriptionId}`));

    await page.getByLabel('Plan').selectOption(plans.largePlanId);
    await page.getByRole('button', { name: 'Preview the change' }).click();
    // htmx swaps the API's preview into the page.
    const previewRows = page.locator('#change-preview tr.preview-line');
    await previewRows.first().waitFor();
    const shown: string[][] = [];
    for (let row = 0; row < (await previewRows.count()); row += 1) {
      shown.push((await previewRows.nth(row).locator('td').allInnerTexts()).map((cell) => cell.trim()));
    }
    expect(shown).toHaveLength(2);
    violations.push(...(await seriousViolations(page)));
    await screenshot(page, 'portal-change-preview-en-phone');
    const before = (await ok(secret, 'GET', `/v1/invoices?subscription_id=${subscriptionId}&limit=100`))
      .data as { id: string }[];
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.waitForURL(/notice=changed/);
    expect(await mainText(page)).toContain('Your subscription has been changed.');
    const after = (await ok(secret, 'GET', `/v1/invoices?subscription_id=${subscriptionId}&limit=100`))
      .data as {
      id: string;
      lines: { description: string; amount: number }[];
      currency: string;
    }[];
    const created = after.filter((invoice) => !before.some((old) => old.id === invoice.id));
    expect(created).toHaveLength(1);
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' });
    // Description and amount of every line, as the page showed them before confirming.
    expect(created[0]?.lines.map((line) => [line.description, format.format(line.amount / 100)])).toEqual(
      shown.map((cells) => [cells[0], cells[2]]),
    );

    // Pause until a date, then resume by hand.
    await page.getByLabel('Resume on (optional)').fill('2027-05-01');
    await page.getByRole('button', { name: 'Pause subscription' }).click();
    await page.waitForURL(/notice=paused/);
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).toMatchObject({
      status: 'paused',
      pause: { resumes_at: '2027-05-01T00:00:00.000Z' },
    });
    expect(await mainText(page)).toContain('resumes on May 1, 2027');
    await page.getByRole('button', { name: 'Resume now' }).click();
    await page.waitForURL(/notice=resumed/);
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).toMatchObject({
      status: 'active',
    });

    // Cancel at period end with a reason from the list, then undo.
    await page.getByLabel('Why are you leaving?').selectOption('too_expensive');
    await page.getByRole('button', { name: 'Cancel at period end' }).click();
    await page.waitForURL(/notice=canceled/);
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).toMatchObject({
      cancel_at_period_end: true,
      cancellation_reason: 'too_expensive',
    });
    violations.push(
      ...(await visit(page, page.url(), { screenshot: 'portal-cancel-scheduled-en-phone' })).violations,
    );
    await page.getByRole('button', { name: 'Keep my subscription' }).click();
    await page.waitForURL(/notice=undone/);
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).toMatchObject({
      cancel_at_period_end: false,
    });

    // The change invoice's PDF, from the invoice history.
    await page.goto(url('/portal/invoices'));
    const download = page.waitForEvent('download');
    await page.locator('a[download]').last().click();
    const file = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of file) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
  });

  test('a customer follows the link in the payment-failed email the relay sent, updates the card, and the past-due invoice is paid; the link is refused when used twice or after expiry', async () => {
    const subscriber = await subscriberOnClock(secret, {
      frozenTime: '2027-04-05T08:00:00.000Z',
      email: 'doris.dunning@example.test',
      name: 'Doris Dunning',
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
      frozen_time: '2027-05-05T09:00:00.000Z',
    });
    await untilClockReady(secret, subscriber.clockId);
    const subscription = await ok(secret, 'GET', `/v1/subscriptions/${subscriber.subscriptionId}`);
    expect(subscription.status).toBe('past_due');
    const invoiceId = (subscription.past_due as { invoice_id: string }).invoice_id;
    const invoice = await ok(secret, 'GET', `/v1/invoices/${invoiceId}`);

    // The payment-failed email, read from the SMTP server.
    const deadline = Date.now() + 30_000;
    const paymentFailed = () =>
      stack.catcher
        .messages()
        .find(
          (message) =>
            message.envelopeTo.includes('doris.dunning@example.test') &&
            message.subject === `Zahlung fehlgeschlagen: Rechnung ${String(invoice.number)}`,
        );
    while (!paymentFailed() && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(paymentFailed()).toBeDefined();
    // The link that email carries, signed by the relay when it sent the email: to the payment method page.
    const link = new RegExp(`${String(stack.url)}/portal/link/[A-Za-z0-9_.-]+`).exec(
      paymentFailed()?.text ?? '',
    )?.[0];
    expect(link).toBeDefined();
    if (!link) return;
    const { page, problems } = await customerPage(PHONE);
    const violations: string[] = [];
    const landing = await visit(page, link, { screenshot: 'portal-email-link-de-phone' });
    expect(landing.status).toBe(200);
    violations.push(...landing.violations);
    await page.getByRole('button', { name: 'Weiter' }).click();
    await page.waitForURL(url('/portal/payment-method'));
    violations.push(...(await seriousViolations(page)));
    await page.getByLabel('Karten-Token (Testmodus)').fill('tok_visa');
    await page.getByRole('button', { name: 'Speichern und für meine Abonnements verwenden' }).click();
    await page.waitForURL(/notice=cardSaved/);
    expect(await mainText(page)).toContain('Ihre neue Zahlungsmethode ist gespeichert');
    expect(await ok(secret, 'GET', `/v1/invoices/${invoiceId}`)).toMatchObject({ status: 'paid' });
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriber.subscriptionId}`)).toMatchObject({
      status: 'active',
      past_due: null,
    });

    // The same link again, in any browser, is refused; so is one past its expiry, or one with a forged signature.
    const { page: again } = await customerPage();
    const reused = await visit(again, link);
    expect(reused.status).toBe(410);
    expect(await mainText(again)).toContain('Dieser Link wurde bereits verwendet');
    violations.push(...reused.violations);
    const expired = signedPortalUrl({
      publicUrl: String(stack.url),
      secret: TEST_PORTAL_LINK_SECRET,
      customerId: subscriber.customerId,
      target: { page: 'overview' },
      linkId: 'expired-link',
      expiresAt: new Date(Date.now() - 1000),
    });
    expect((await again.goto(expired))?.status()).toBe(410);
    expect(await mainText(again)).toContain('Dieser Link ist abgelaufen');
    const forged = signedPortalUrl({
      publicUrl: String(stack.url),
      secret: 'another-secret-that-is-long-enough-0000',
      customerId: subscriber.customerId,
      target: { page: 'overview' },
    });
    expect((await again.goto(forged))?.status()).toBe(410);
    // A forged link names nobody: the refusal speaks the browser's language.
    expect(await mainText(again)).toContain('This link is not valid');
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
  });

  test('a portal session of customer A cannot read or act on customer B on any portal route, and the console refuses it', async () => {
    const a = await subscriberOnClock(secret, {
      frozenTime: '2027-07-01T00:00:00.000Z',
      email: 'alice@example.test',
      name: 'Alice A',
      locale: 'en',
      planId: plans.smallPlanId,
    });
    const b = await subscriberOnClock(secret, {
      frozenTime: '2027-07-01T00:00:00.000Z',
      email: 'bob@example.test',
      name: 'Bob B',
      locale: 'en',
      planId: plans.smallPlanId,
    });
    const bInvoice = (
      (await ok(secret, 'GET', `/v1/invoices?customer_id=${b.customerId}`)).data as { id: string }[]
    )[0]?.id as string;
    const { page } = await customerPage();
    await openPortal(secret, page, a.customerId);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();

    // Every portal route that names an object, aimed at B's objects with A's session and A's CSRF token.
    const named: [string, string][] = portalRoutesNamingObjects().map(([method, path]) => [
      method,
      path
        .replace(':id', path.startsWith('/portal/subscriptions') ? b.subscriptionId : bInvoice)
        .replace(':token', 'x'),
    ]);
    expect(named.length).toBeGreaterThanOrEqual(11);
    for (const [method, path] of named) {
      const response =
        method === 'get'
          ? await page.request.get(url(path))
          : await page.request.post(url(path), {
              form: {
                _csrf: csrf,
                plan_id: plans.largePlanId,
                quantity: '3',
                reason: 'other',
                at: 'immediately',
              },
            });
      expect([method, path, response.status()]).toEqual([method, path, 404]);
      expect(await response.text()).not.toContain('Bob');
    }
    expect(await ok(secret, 'GET', `/v1/subscriptions/${b.subscriptionId}`)).toMatchObject({
      status: 'active',
      plan_id: plans.smallPlanId,
      quantity: 1,
      cancel_at_period_end: false,
    });
    // A's own lists hold only A's objects.
    await page.goto(url('/portal/invoices'));
    expect(await page.locator(`a[href="/portal/invoices/${bInvoice}"]`).count()).toBe(0);

    // The console does not know a portal session, not even its token presented as a console cookie.
    const toConsole = await page.request.get(url('/admin'), { maxRedirects: 0 });
    expect(toConsole.status()).toBe(303);
    expect(toConsole.headers().location).toMatch(/^\/admin\/login/);
    const token = (await page.context().cookies()).find(
      (cookie) => cookie.name === 'perennial_portal',
    )?.value;
    const forged = await page.request.get(url('/admin'), {
      maxRedirects: 0,
      headers: { cookie: `perennial_console=${String(token)}` },
    });
    expect(forged.status()).toBe(303);
    expect(forged.headers().location).toMatch(/^\/admin\/login/);
  });
});
