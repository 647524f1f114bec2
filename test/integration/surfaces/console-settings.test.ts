import type { Browser, BrowserContext, Page } from 'playwright-core';
import PostalMime from 'postal-mime';
import { MrrMovement } from '../../../src/db/entities';
import { createConsoleUser } from '../../../src/db/services/console-users';
import { formatAmount } from '../../../src/documents/format';
import { type ApiCall, customerWithCard, ok, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { DESKTOP, launchBrowser, seriousViolations, visit, watchedPage } from '../../support/browser';
import { mainText, seedCatalogue } from '../../support/surfaces';

const OPERATOR = { email: 'fiona.finance@example.test', password: 'correct horse battery staple' };
const VIEWER = { email: 'victor.viewer@example.test', password: 'viewer password 2027' };
const KINDS = ['new', 'expansion', 'reactivation', 'contraction', 'churn'] as const;

type RevenueRow = { period: string; mrr: number } & Record<`${(typeof KINDS)[number]}_mrr`, number>;
type AuditEvent = {
  type: string;
  data: { actor: { type: string; email: string } } & Record<string, unknown>;
};

/** `YYYY-MM` of the month `offset` months from the given one. */
function monthFrom(period: string, offset: number): string {
  const [year, month] = period.split('-').map(Number);
  const index = (year ?? 0) * 12 + (month ?? 1) - 1 + offset;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * The console's dashboard charts and its tax-rate and email-sender settings in a real browser: the charts draw the
 * analytics API's figures, the settings are saved through `PUT /v1/settings` (the API's refusals beside their
 * fields), a viewer cannot change them, and an email sent afterwards carries the new sender over SMTP.
 */
describe('operator console: revenue charts, tax rates and the email sender', () => {
  let stack: ApiStack;
  let browser: Browser;
  let secret: ApiCall;
  let plans: { smallPlanId: string; largePlanId: string };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startApiStack('console-settings', {
        listen: true,
        config: { MAIL_FROM: 'Perennial <billing@example.test>' },
      }),
      launchBrowser(),
    ]);
    secret = supertestCall(stack.app, stack.auth);
    await createConsoleUser(stack.db.orm.em.fork(), { ...OPERATOR, name: 'Fiona Finance', role: 'admin' });
    await createConsoleUser(stack.db.orm.em.fork(), { ...VIEWER, name: 'Victor Viewer', role: 'viewer' });
    plans = await seedCatalogue(secret);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await stack?.close();
  });

  const url = (path: string) => `${stack.url}${path}`;

  async function signedIn(user: { email: string; password: string }) {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    contexts.push(context);
    const watched = await watchedPage(context);
    await watched.page.goto(url('/admin/login'));
    await watched.page.getByLabel('Email').fill(user.email);
    await watched.page.getByLabel('Password').fill(user.password);
    await watched.page.getByRole('button', { name: 'Sign in' }).click();
    await watched.page.waitForURL(url('/admin'));
    return watched;
  }

  async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`still waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The ledger's movements of one subscription, once the workflow has recorded `count` of them. */
  const movements = (subscriptionId: string, count: number) =>
    until(
      `${count} movements of ${subscriptionId}`,
      async () =>
        (await ok(secret, 'GET', `/v1/analytics/mrr_movements?subscription_id=${subscriptionId}`)).data as {
          kind: string;
          delta: number;
        }[],
      (rows) => rows.length >= count,
    );

  /** A customer (not on a test clock: live mode, which the figures count) subscribed to a plan, paid. */
  async function subscriber(email: string, planId: string): Promise<string> {
    const customer = await customerWithCard(secret, { email, name: email, locale: 'en', country: 'DE' });
    const subscription = await ok(secret, 'POST', '/v1/subscriptions', {
      customer_id: customer.id,
      plan_id: planId,
    });
    const id = String(subscription.id);
    await movements(id, 1);
    return id;
  }

  /** The figures of a chart's table: per month, each series' amount and the text a person reads. */
  async function chartTable(page: Page, id: string) {
    return page.locator(`#${id} tbody tr`).evaluateAll((rows) =>
      rows.map((row) => ({
        period: row.getAttribute('data-period') ?? '',
        cells: [...row.querySelectorAll('td')].map((cell) => ({
          series: cell.getAttribute('data-series') ?? '',
          amount: Number(cell.getAttribute('data-amount')),
          text: (cell.textContent ?? '').trim(),
        })),
      })),
    );
  }

  test('the dashboard draws MRR and its movements for the last 12 months from the analytics API’s figures, with the figures as a table, under axe in both languages', async () => {
    // Live subscriptions through the workflows: two new, one upgraded (expansion), one downgraded at once
    // (contraction), one canceled at once (churn), all in the current month.
    const steady = await subscriber('steady@example.test', plans.smallPlanId);
    const upgraded = await subscriber('upgraded@example.test', plans.smallPlanId);
    await ok(secret, 'POST', `/v1/subscriptions/${upgraded}/change`, { plan_id: plans.largePlanId });
    await movements(upgraded, 2);
    const downgraded = await subscriber('downgraded@example.test', plans.largePlanId);
    await ok(secret, 'POST', `/v1/subscriptions/${downgraded}/change`, {
      plan_id: plans.smallPlanId,
      timing: 'immediately',
    });
    await movements(downgraded, 2);
    const canceled = await subscriber('canceled@example.test', plans.smallPlanId);
    await ok(secret, 'POST', `/v1/subscriptions/${canceled}/cancel`, { at: 'immediately', unused: 'none' });
    await movements(canceled, 2);
    const live = await Promise.all(
      [steady, upgraded, downgraded, canceled].map(async (id) => movements(id, 1)),
    );
    expect(
      live
        .flat()
        .map((row) => `${row.kind} ${row.delta}`)
        .sort(),
    ).toEqual(
      [
        'new 1900',
        'new 1900',
        'expansion 2000',
        'new 3900',
        'contraction -2000',
        'new 1900',
        'churn -1900',
      ].sort(),
    );

    // Earlier months: a ledger history as the workflows would have recorded it, months before these
    // subscriptions (the recorder's rows, written here directly, since live time cannot be moved back).
    const thisMonth = (
      (await ok(secret, 'GET', `/v1/analytics/mrr_movements?subscription_id=${steady}`)).data as {
        occurred_at: string;
      }[]
    )[0]!.occurred_at.slice(0, 7);
    const at = (offset: number) => new Date(`${monthFrom(thisMonth, offset)}-10T12:00:00.000Z`);
    const em = stack.db.orm.em.fork();
    const history = [
      ['sub_0000000000000000000e0001', 1, 'new', 0, 4900, at(-7)],
      ['sub_0000000000000000000e0001', 2, 'expansion', 4900, 9800, at(-4)],
      ['sub_0000000000000000000e0002', 1, 'new', 0, 1900, at(-4)],
      ['sub_0000000000000000000e0002', 2, 'churn', 1900, 0, at(-2)],
      ['sub_0000000000000000000e0002', 3, 'reactivation', 0, 1900, at(-1)],
    ] as const;
    for (const [subscriptionId, sequence, kind, before, after, occurredAt] of history) {
      em.create(MrrMovement, {
        subscriptionId,
        customerId: `cus_${subscriptionId.slice(4)}`,
        sequence,
        kind,
        currency: 'EUR',
        mrrBefore: before,
        mrrAfter: after,
        delta: after - before,
        occurredAt,
        eventKey: `seeded:${subscriptionId}:${sequence}`,
        testMode: false,
      });
    }
    await em.flush();

    const { page, problems } = await signedIn(OPERATOR);
    const dashboard = await visit(page, url('/admin'), { screenshot: 'console-revenue-charts-en' });
    expect(dashboard.status).toBe(200);
    const mrr = await chartTable(page, 'mrr-chart-eur-table');
    const moves = await chartTable(page, 'movements-chart-eur-table');
    // Twelve calendar months in a row, the last the current one.
    expect(mrr.map((row) => row.period)).toEqual(
      Array.from({ length: 12 }, (_, index) => monthFrom(thisMonth, index - 11)),
    );
    expect(moves.map((row) => row.period)).toEqual(mrr.map((row) => row.period));

    // The same months from the analytics API: every figure drawn is the API's, formatted for the reader.
    const report = (
      await ok(
        secret,
        'GET',
        `/v1/analytics/revenue?from=${mrr[0]!.period}-01&to=${thisMonth}-01&interval=month&currency=EUR`,
      )
    ).data as RevenueRow[];
    expect(report.map((row) => row.period)).toEqual(mrr.map((row) => row.period));
    const money = (amount: number) => formatAmount(amount, 'EUR', 'en');
    expect(mrr).toEqual(
      report.map((row) => ({
        period: row.period,
        cells: [{ series: 'mrr', amount: row.mrr, text: money(row.mrr) }],
      })),
    );
    expect(moves).toEqual(
      report.map((row) => ({
        period: row.period,
        cells: KINDS.map((kind) => ({
          series: kind,
          amount: row[`${kind}_mrr`],
          text: money(row[`${kind}_mrr`]),
        })),
      })),
    );
    // What the charts hold, by hand: the history's months, then this month's live movements.
    const byPeriod = Object.fromEntries(report.map((row) => [row.period, row]));
    expect(byPeriod[monthFrom(thisMonth, -7)]).toMatchObject({ mrr: 4900, new_mrr: 4900 });
    expect(byPeriod[monthFrom(thisMonth, -4)]).toMatchObject({
      mrr: 11_700,
      expansion_mrr: 4900,
      new_mrr: 1900,
    });
    expect(byPeriod[monthFrom(thisMonth, -2)]).toMatchObject({ mrr: 9800, churn_mrr: -1900 });
    expect(byPeriod[monthFrom(thisMonth, -1)]).toMatchObject({ mrr: 11_700, reactivation_mrr: 1900 });
    expect(byPeriod[thisMonth]).toMatchObject({
      mrr: 11_700 + 1900 + 3900 + 1900, // + steady, upgraded (large), downgraded (small)
      new_mrr: 1900 * 3 + 3900,
      expansion_mrr: 2000,
      contraction_mrr: -2000,
      churn_mrr: -1900,
    });

    // The bars are those figures: one MRR bar a month, one bar per movement that happened.
    const bars = await page
      .locator('svg.chart rect[data-amount]')
      .evaluateAll((rects) =>
        rects.map(
          (rect) =>
            `${rect.getAttribute('data-period')} ${rect.getAttribute('data-series') ?? 'mrr'} ${rect.getAttribute('data-amount')}`,
        ),
      );
    expect(bars.sort()).toEqual(
      [
        ...report.map((row) => `${row.period} mrr ${row.mrr}`),
        ...report.flatMap((row) =>
          KINDS.filter((kind) => row[`${kind}_mrr`] !== 0).map(
            (kind) => `${row.period} ${kind} ${row[`${kind}_mrr`]}`,
          ),
        ),
      ].sort(),
    );
    // Each chart is an image named by its title and described in words.
    const chart = page.getByRole('img', { name: 'MRR by month (EUR)' });
    expect(await chart.getAttribute('aria-describedby')).toBe('mrr-chart-eur-desc');
    expect(await page.locator('#mrr-chart-eur-desc').textContent()).toContain(`highest ${money(19_400)}`);
    expect(await page.getByRole('img', { name: 'MRR movements by month (EUR)' }).count()).toBe(1);
    expect(await mainText(page)).toContain(money(19_400));

    await page.locator('header select[name=locale]').selectOption('de');
    await page.locator('header form[action="/admin/language"] button').click();
    await page.waitForLoadState();
    const german = await visit(page, url('/admin'));
    expect(await page.getByRole('img', { name: 'MRR nach Monat (EUR)' }).count()).toBe(1);
    expect(await page.locator('#mrr-chart-eur-table tbody tr').last().locator('td').textContent()).toBe(
      formatAmount(19_400, 'EUR', 'de'),
    );
    await page.locator('header select[name=locale]').selectOption('en');
    await page.locator('header form[action="/admin/language"] button').click();
    await page.waitForLoadState();
    expect(problems).toEqual([]);
    expect([...dashboard.violations, ...german.violations]).toEqual([]);
  });

  test('an admin adds, changes and removes a country’s tax rates as percentages, stored in basis points; refusals show beside their field; saving the seller details keeps them; each change names the admin', async () => {
    const { page, problems } = await signedIn(OPERATOR);
    const violations: string[] = [];
    const settings = async () =>
      (await ok(secret, 'GET', '/v1/settings')) as { tax_rates: Record<string, unknown>; name: string };
    await page.goto(url('/admin/settings'));
    expect(await mainText(page)).toContain('No rates: sales to countries outside the EU carry no tax.');

    const saveRates = async (country: string, standard: string, reduced: string) => {
      await page.locator('#tax_country').fill(country);
      await page.locator('#tax_standard').fill(standard);
      await page.locator('#tax_reduced').fill(reduced);
      await page.getByRole('button', { name: 'Save rates' }).click();
      await page.waitForLoadState();
    };
    await saveRates('ch', '8.1', '2,6');
    await page.waitForURL(/done=taxRateSaved/);
    expect((await settings()).tax_rates).toEqual({ CH: { standard: 810, reduced: 260 } });
    const row = page.locator('#tax-rates tr', { hasText: 'CH' });
    expect((await row.locator('td').allInnerTexts()).slice(0, 3).map((cell) => cell.trim())).toEqual([
      'CH',
      '8.10%',
      '2.60%',
    ]);

    // "Change" opens the form with the stored rates; the reduced rate left empty takes the standard one.
    await row.getByRole('link', { name: 'Change: CH' }).click();
    expect(await page.locator('#tax_standard').inputValue()).toBe('8.10');
    expect(await page.locator('#tax_reduced').inputValue()).toBe('2.60');
    await saveRates('CH', '7.7 %', '');
    await page.waitForURL(/done=taxRateSaved/);
    expect((await settings()).tax_rates).toEqual({ CH: { standard: 770, reduced: 770 } });

    // Refusals: an EU country (the API's rule), a rate over 100 % (the API's bound), a percentage with three
    // decimals (not read at all); each beside its field, and nothing changes.
    await saveRates('DE', '19', '7');
    expect(await page.locator('#tax_country-error').textContent()).toContain(
      'EU member states take their rates from the EU rates table',
    );
    expect(await page.locator('#tax_country').getAttribute('aria-invalid')).toBe('true');
    violations.push(...(await seriousViolations(page)));
    await saveRates('NO', '101', '');
    expect(await page.locator('#tax_standard-error').textContent()).toContain('tax_rates.NO.standard');
    await saveRates('NO', '8.123', '');
    expect(await page.locator('#tax_standard-error').textContent()).toBe(
      'Enter a percentage with at most two decimals, e.g. 8.1.',
    );
    expect(await page.locator('#tax_standard').inputValue()).toBe('8.123');
    expect((await settings()).tax_rates).toEqual({ CH: { standard: 770, reduced: 770 } });

    await saveRates('NO', '25', '15');
    await page.waitForURL(/done=taxRateSaved/);
    await page.getByRole('button', { name: 'Remove: NO' }).click();
    await page.waitForURL(/done=taxRateRemoved/);
    expect((await settings()).tax_rates).toEqual({ CH: { standard: 770, reduced: 770 } });

    // The seller details' form puts the whole object back: the tax rates stay.
    await page.getByLabel('Name', { exact: true }).fill('Rösterei Beispiel AG');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/done=saved/);
    expect(await settings()).toMatchObject({
      name: 'Rösterei Beispiel AG',
      tax_rates: { CH: { standard: 770, reduced: 770 } },
    });

    const taxEvents: AuditEvent[] = [];
    for (const type of ['console.tax_rate.set', 'console.tax_rate.remove'])
      taxEvents.push(
        ...((await ok(secret, 'GET', `/v1/events?type=${type}&order=asc`)).data as AuditEvent[]),
      );
    expect(
      taxEvents.map((event) => [
        event.type,
        event.data.actor.email,
        event.data.country,
        event.data.standard ?? null,
      ]),
    ).toEqual([
      ['console.tax_rate.set', OPERATOR.email, 'CH', 810],
      ['console.tax_rate.set', OPERATOR.email, 'CH', 770],
      ['console.tax_rate.set', OPERATOR.email, 'NO', 2500],
      ['console.tax_rate.remove', OPERATOR.email, 'NO', null],
    ]);

    for (const locale of ['de', 'en'] as const) {
      await page.locator('header select[name=locale]').selectOption(locale);
      await page.locator('header form[action="/admin/language"] button').click();
      await page.waitForLoadState();
      const visited = await visit(page, url('/admin/settings'));
      expect(visited.status).toBe(200);
      violations.push(...visited.violations);
      // mainText collapses every space, the no-break one of "7,70 %" too.
      if (locale === 'de') expect(await mainText(page)).toContain('7,70 %');
    }
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
  });

  test('a viewer sees the tax rates and the sender but no form to change them, and a post is refused; a post without the CSRF token is refused too', async () => {
    const viewer = await signedIn(VIEWER);
    await viewer.page.goto(url('/admin/settings'));
    expect(await mainText(viewer.page)).toContain('7.70%');
    expect(await viewer.page.locator('#tax-rate-form').count()).toBe(0);
    expect(await viewer.page.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect(await viewer.page.locator('#email_sender\\.address').isDisabled()).toBe(true);
    const csrf = await viewer.page.locator('input[name=_csrf]').first().inputValue();
    const refused = await viewer.page.request.post(url('/admin/settings/tax-rates'), {
      form: { _csrf: csrf, tax_country: 'NO', tax_standard: '25' },
    });
    expect(refused.status()).toBe(403);
    const removal = await viewer.page.request.post(url('/admin/settings/tax-rates/CH/remove'), {
      form: { _csrf: csrf },
    });
    expect(removal.status()).toBe(403);

    const operator = await signedIn(OPERATOR);
    const withoutToken = await operator.page.request.post(url('/admin/settings/tax-rates'), {
      form: { tax_country: 'NO', tax_standard: '25' },
    });
    expect(withoutToken.status()).toBe(403);
    expect(((await ok(secret, 'GET', '/v1/settings')) as { tax_rates: unknown }).tax_rates).toEqual({
      CH: { standard: 770, reduced: 770 },
    });
    const violations = (await visit(viewer.page, url('/admin/settings'))).violations;
    expect(violations).toEqual([]);
  });

  test('an admin sets the email sender: a bad address is refused beside its field; the next customer’s emails (relay and credit note) arrive over SMTP from it, the admin named in the audit log', async () => {
    const { page, problems } = await signedIn(OPERATOR);
    await page.goto(url('/admin/settings'));
    expect(await mainText(page)).toContain('send as Perennial <billing@example.test>');
    await page.getByLabel('Sender name').fill('Rösterei Beispiel, Versand');
    // The browser takes it (user@host); the API wants a domain with a dot, and says so beside the field.
    await page.getByLabel('Sender address').fill('versand@roesterei');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForLoadState();
    expect(await page.locator('#email_sender\\.address-error').textContent()).toContain(
      'email_sender.address',
    );
    expect(await page.getByLabel('Sender name').inputValue()).toBe('Rösterei Beispiel, Versand');
    expect((await ok(secret, 'GET', '/v1/settings')).email_sender).toBeNull();
    const refused = await seriousViolations(page);

    await page.getByLabel('Sender address').fill('versand@roesterei.example');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/done=saved/);
    const sender = { name: 'Rösterei Beispiel, Versand', address: 'versand@roesterei.example' };
    expect(await ok(secret, 'GET', '/v1/settings')).toMatchObject({
      email_sender: sender,
      tax_rates: { CH: { standard: 770, reduced: 770 } },
    });
    expect(await page.getByLabel('Sender address').inputValue()).toBe(sender.address);
    const audit = (await ok(secret, 'GET', '/v1/events?type=console.settings.update&limit=100')).data as {
      data: { actor: { email: string }; settings: { email_sender: unknown } };
    }[];
    expect(audit.map((event) => [event.data.actor.email, event.data.settings.email_sender])).toContainEqual([
      OPERATOR.email,
      sender,
    ]);

    // A customer who subscribes now gets their emails (the welcome and the receipt from the outbox relay, a credit
    // note's from the API) from the seller's sender.
    const email = 'after.sender@example.test';
    const subscriptionId = await subscriber(email, plans.smallPlanId);
    const invoice = (
      (await ok(secret, 'GET', `/v1/invoices?subscription_id=${subscriptionId}`)).data as { id: string }[]
    )[0]!;
    await ok(secret, 'POST', '/v1/credit_notes', {
      invoice_id: invoice.id,
      amount: 500,
      reason: 'Late delivery',
      outcome: 'credit_balance',
    });
    const received = await until(
      'the emails to the new customer',
      async () => stack.catcher.messages().filter((message) => message.envelopeTo.includes(email)),
      (messages) => messages.length >= 3,
    );
    expect(received).toHaveLength(3);
    for (const message of received) {
      expect((await PostalMime.parse(message.raw)).from).toEqual(sender);
      expect(message.envelopeFrom).toBe(sender.address);
    }
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  test('an admin sets where the seller’s own notices go and their language: a bad address is refused beside its field, the sender is kept, an empty field stops them; each save names the admin', async () => {
    const { page, problems } = await signedIn(OPERATOR);
    await page.goto(url('/admin/settings'));
    const before = await ok(secret, 'GET', '/v1/settings');
    await page.getByLabel('Notice address').fill('finance@roesterei');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForLoadState();
    expect(await page.locator('#notification_email-error').textContent()).toContain('notification_email');
    expect(await page.getByLabel('Notice address').inputValue()).toBe('finance@roesterei');
    expect((await ok(secret, 'GET', '/v1/settings')).notification_email).toBe(before.notification_email);
    const refused = await seriousViolations(page);

    await page.getByLabel('Notice address').fill('finance@roesterei.example');
    await page.getByLabel('Language of the notices').selectOption('de');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/done=saved/);
    expect(await ok(secret, 'GET', '/v1/settings')).toMatchObject({
      notification_email: 'finance@roesterei.example',
      notification_locale: 'de',
      email_sender: before.email_sender,
      tax_rates: before.tax_rates,
    });
    expect(await page.getByLabel('Notice address').inputValue()).toBe('finance@roesterei.example');
    expect(await page.getByLabel('Language of the notices').inputValue()).toBe('de');

    await page.getByLabel('Notice address').fill('');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/done=saved/);
    expect((await ok(secret, 'GET', '/v1/settings')).notification_email).toBeNull();
    const audit = (await ok(secret, 'GET', '/v1/events?type=console.settings.update&limit=100')).data as {
      data: { actor: { email: string }; settings: { notification_email: unknown } };
    }[];
    const saved = audit.map((event) => [event.data.actor.email, event.data.settings.notification_email]);
    expect(saved).toContainEqual([OPERATOR.email, 'finance@roesterei.example']);
    expect(saved).toContainEqual([OPERATOR.email, null]);
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });
});
