import type { Browser, Page } from 'playwright-core';
import { createConsoleUser } from '../../../src/db/services/console-users';
import { type ApiCall, ok, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { DESKTOP, launchBrowser, seriousViolations, watchedPage } from '../../support/browser';
import {
  mainText,
  openPortal,
  seedCatalogue,
  subscriberOnClock,
  untilClockReady,
} from '../../support/surfaces';

const OPERATOR = { email: 'ida.interval@example.test', password: 'correct horse battery staple' };
type Invoice = {
  id: string;
  lines: { description: string; amount: number; period_start: string | null; period_end: string | null }[];
};

/**
 * A change of the base plan to another billing interval from the pages (monthly → yearly): offered only where the
 * API takes it, labelled with its interval, previewed with the credit for the unused month and the whole new year,
 * and invoiced exactly as previewed; the subscription's period then runs a year from the change.
 */
describe('portal and console: a plan of another interval, in a browser', () => {
  let stack: ApiStack;
  let browser: Browser;
  let secret: ApiCall;
  let plans: { smallPlanId: string; largePlanId: string; yearlyPlanId: string; addOnPlanId: string };

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startApiStack('interval-change', { listen: true }),
      launchBrowser(),
    ]);
    secret = supertestCall(stack.app, stack.auth);
    await createConsoleUser(stack.db.orm.em.fork(), { ...OPERATOR, name: 'Ida Interval', role: 'admin' });
    const seeded = await seedCatalogue(secret);
    const { data: products } = await ok(secret, 'GET', '/v1/products?limit=10');
    const coffee = (products as { id: string; name: string }[]).find((product) => product.name === 'Coffee');
    const yearly = await ok(secret, 'POST', '/v1/plans', {
      product_id: coffee?.id,
      name: 'Yearly beans',
      interval: 'year',
      amounts: { EUR: 19000 },
    });
    const addOnProduct = await ok(secret, 'POST', '/v1/products', { name: 'Tasting seats', add_on: true });
    const addOn = await ok(secret, 'POST', '/v1/plans', {
      product_id: addOnProduct.id,
      name: 'Tasting seats',
      interval: 'month',
      amounts: { EUR: 300 },
    });
    plans = { ...seeded, yearlyPlanId: String(yearly.id), addOnPlanId: String(addOn.id) };
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const euros = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' });
  const invoices = async (subscriptionId: string) =>
    (await ok(secret, 'GET', `/v1/invoices?subscription_id=${subscriptionId}&limit=100`)).data as Invoice[];

  /** A monthly subscriber whose clock stands at 16 March 2027, noon: half of March is unused. */
  async function monthlySubscriber(email: string) {
    const subscriber = await subscriberOnClock(secret, {
      frozenTime: '2027-03-01T00:00:00.000Z',
      email,
      name: email.split('@')[0] ?? email,
      locale: 'en',
      planId: plans.smallPlanId,
    });
    await ok(secret, 'POST', `/v1/test_clocks/${subscriber.clockId}/advance`, {
      frozen_time: '2027-03-16T12:00:00.000Z',
    });
    await untilClockReady(secret, subscriber.clockId);
    return subscriber;
  }

  /** Every line of the preview as the page shows it: description, service period, amount. */
  async function previewRows(page: Page): Promise<string[][]> {
    await page.locator('#change-preview').waitFor();
    const rows = page.locator('#change-preview tr.preview-line');
    const shown: string[][] = [];
    for (let row = 0; row < (await rows.count()); row += 1) {
      shown.push((await rows.nth(row).locator('td').allInnerTexts()).map((cell) => cell.trim()));
    }
    return shown;
  }

  /** Confirms the previewed change and answers the invoices it created. */
  async function confirm(page: Page, subscriptionId: string, button: string, done: RegExp) {
    const before = await invoices(subscriptionId);
    await page.getByRole('button', { name: button }).click();
    await page.waitForURL(done);
    return (await invoices(subscriptionId)).filter((invoice) => !before.some((old) => old.id === invoice.id));
  }

  const planOptions = async (page: Page) =>
    (await page.locator('#plan_id option').allInnerTexts()).map((text) => text.trim());

  test('a monthly customer moves to the yearly plan in the portal: offered "per year", previewed with the credit and the whole new year, invoiced exactly so; the period now runs a year; beside an add-on the yearly plan is not offered and, forced, refused beside the field', async () => {
    const { customerId, subscriptionId } = await monthlySubscriber('yara.yearly@example.test');
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const { page, problems } = await watchedPage(context);
    const violations: string[] = [];
    await openPortal(secret, page, customerId);
    await page.goto(`${stack.url}/portal/subscriptions/${subscriptionId}`);

    expect(await planOptions(page)).toEqual([
      'Monthly beans (€19.00 per month)',
      'Monthly beans, large (€39.00 per month)',
      'Yearly beans (€190.00 per year)',
    ]);

    await page.getByLabel('Plan').selectOption(plans.yearlyPlanId);
    await page.getByRole('button', { name: 'Preview the change' }).click();
    const shown = await previewRows(page);
    // The API's own preview, which the page must show line for line.
    const api = await ok(secret, 'POST', `/v1/subscriptions/${subscriptionId}/change/preview`, {
      plan_id: plans.yearlyPlanId,
    });
    expect(api).toMatchObject({ timing: 'immediately', invoice_now: true });
    const apiLines = api.lines as Invoice['lines'];
    expect(apiLines.map((line) => [line.amount, line.period_start, line.period_end])).toEqual([
      // Half of March unused (15.5 of 31 days) is credited; the new year is invoiced whole, from the change on.
      [-950, '2027-03-16T12:00:00.000Z', '2027-04-01T00:00:00.000Z'],
      [19000, '2027-03-16T12:00:00.000Z', '2028-03-16T12:00:00.000Z'],
    ]);
    expect(shown).toEqual(
      apiLines.map((line, index) => [
        line.description,
        index === 0 ? 'March 16, 2027 – April 1, 2027' : 'March 16, 2027 – March 16, 2028',
        euros.format(line.amount / 100),
      ]),
    );
    expect((await page.locator('#interval-change').innerText()).trim()).toBe(
      'From now on billed per year: the unused part of the current period is credited, and the new period, March 16, 2027 – March 16, 2028, is invoiced in full.',
    );
    expect(await page.locator('#change-preview').innerText()).toContain('Total before tax');
    violations.push(...(await seriousViolations(page)));

    const created = await confirm(page, subscriptionId, 'Confirm the change', /notice=changed/);
    expect(created).toHaveLength(1);
    expect(created[0]?.lines.map((line) => [line.description, euros.format(line.amount / 100)])).toEqual(
      shown.map((cells) => [cells[0], cells[2]]),
    );
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).toMatchObject({
      status: 'active',
      plan_id: plans.yearlyPlanId,
      interval: 'year',
      interval_count: 1,
      current_period_start: '2027-03-16T12:00:00.000Z',
      current_period_end: '2028-03-16T12:00:00.000Z',
    });
    expect(await mainText(page)).toContain('March 16, 2027 – March 16, 2028');
    // On the yearly plan, the monthly ones are the other interval now, and still offered.
    expect(await planOptions(page)).toEqual([
      'Yearly beans (€190.00 per year)',
      'Monthly beans (€19.00 per month)',
      'Monthly beans, large (€39.00 per month)',
    ]);

    // A subscriber with a monthly add-on: the API refuses a yearly base beside it, so the page does not offer it.
    const other = await monthlySubscriber('otto.addon@example.test');
    await ok(secret, 'POST', `/v1/subscriptions/${other.subscriptionId}/items`, {
      plan_id: plans.addOnPlanId,
      quantity: 1,
    });
    const refused = await secret('POST', `/v1/subscriptions/${other.subscriptionId}/change/preview`, {
      plan_id: plans.yearlyPlanId,
    });
    expect(refused.status).toBe(422);
    await openPortal(secret, page, other.customerId);
    await page.goto(`${stack.url}/portal/subscriptions/${other.subscriptionId}`);
    expect(await planOptions(page)).toEqual([
      'Monthly beans (€19.00 per month)',
      'Monthly beans, large (€39.00 per month)',
    ]);
    // A form sent with it anyway (an old page, a hand-made request): the API's message beside the plan.
    await page.evaluate(
      `document.getElementById('plan_id').add(new Option('Yearly beans', '${plans.yearlyPlanId}', true, true))`,
    );
    await page.getByRole('button', { name: 'Preview the change' }).click();
    await page.locator('#plan_id-error').waitFor();
    expect((await page.locator('#plan_id-error').innerText()).trim()).toBe(
      (refused.body.error as { message: string }).message,
    );
    expect(await page.locator('#plan_id').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#change-preview').count()).toBe(0);
    violations.push(...(await seriousViolations(page)));
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
    await context.close();
  });

  test('an operator moves a monthly subscription to the yearly plan in the console: previewed with the credit and the whole new year, invoiced exactly so; the period now runs a year', async () => {
    const { subscriptionId } = await monthlySubscriber('cora.console@example.test');
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const { page, problems } = await watchedPage(context);
    await page.goto(`${stack.url}/admin/login`);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/admin`);
    await page.goto(`${stack.url}/admin/subscriptions/${subscriptionId}`);
    await page.getByText('Change plan or quantity', { exact: true }).click();
    expect(await planOptions(page)).toContain('Yearly beans (€190.00 per year)');

    await page.locator('#plan_id').selectOption(plans.yearlyPlanId);
    await page.getByRole('button', { name: 'Preview', exact: true }).first().click();
    const shown = await previewRows(page);
    expect(shown.map((cells) => cells[2])).toEqual(['-€9.50', '€190.00']);
    expect((await page.locator('#interval-change').innerText()).trim()).toMatch(
      /^Billed per year from now on: the unused time of the current period is credited, the new period Mar 16, 2027, 12:00 PM UTC – Mar 16, 2028, 12:00 PM UTC is invoiced in full\.$/,
    );
    expect(await seriousViolations(page)).toEqual([]);

    const created = await confirm(page, subscriptionId, 'Confirm change', /done=changed/);
    expect(created).toHaveLength(1);
    expect(created[0]?.lines.map((line) => [line.description, euros.format(line.amount / 100)])).toEqual(
      shown.map((cells) => [cells[0], cells[2]]),
    );
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).toMatchObject({
      plan_id: plans.yearlyPlanId,
      interval: 'year',
      current_period_start: '2027-03-16T12:00:00.000Z',
      current_period_end: '2028-03-16T12:00:00.000Z',
    });
    expect(problems).toEqual([]);
    await context.close();
  });
});
