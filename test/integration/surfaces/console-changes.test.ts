import type { Browser, Page } from 'playwright-core';
import { createConsoleUser } from '../../../src/db/services/console-users';
import { type ApiCall, ok, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { DESKTOP, launchBrowser, screenshot, seriousViolations, watchedPage } from '../../support/browser';
import { mainText, seedCatalogue, subscriberOnClock, untilClockReady } from '../../support/surfaces';

const OPERATOR = { email: 'carl.changes@example.test', password: 'correct horse battery staple' };
type Invoice = { id: string; lines: { description: string; amount: number }[] };
type Item = { id: string; plan_id: string; quantity: number; add_on: boolean };

/**
 * An operator changes a subscription from the console through the API's item routes and previews (the base plan,
 * an add-on added and removed), cancels at period end and undoes it; every action is named in the audit log.
 */
describe('operator console: changes with preview in a browser', () => {
  let stack: ApiStack;
  let browser: Browser;
  let secret: ApiCall;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startApiStack('console-changes', { listen: true }),
      launchBrowser(),
    ]);
    secret = supertestCall(stack.app, stack.auth);
    await createConsoleUser(stack.db.orm.em.fork(), { ...OPERATOR, name: 'Carl Changes', role: 'admin' });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const euros = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' });
  const invoices = async (subscriptionId: string) =>
    (await ok(secret, 'GET', `/v1/invoices?subscription_id=${subscriptionId}&limit=100`)).data as Invoice[];

  async function previewLines(page: Page): Promise<string[][]> {
    await page.locator('#change-preview').waitFor();
    const rows = page.locator('#change-preview tr.preview-line');
    const shown: string[][] = [];
    for (let row = 0; row < (await rows.count()); row += 1) {
      const cells = (await rows.nth(row).locator('td').allInnerTexts()).map((cell) => cell.trim());
      shown.push([cells[0] ?? '', cells[2] ?? '']);
    }
    return shown;
  }

  /** Confirms the previewed change; answers the invoices it created, line by line as the page writes them. */
  async function confirm(page: Page, subscriptionId: string): Promise<string[][][]> {
    const before = await invoices(subscriptionId);
    await page.getByRole('button', { name: 'Confirm change' }).click();
    await page.waitForURL(/done=changed/);
    return (await invoices(subscriptionId))
      .filter((invoice) => !before.some((old) => old.id === invoice.id))
      .map((invoice) => invoice.lines.map((line) => [line.description, euros.format(line.amount / 100)]));
  }

  test('an operator upgrades the plan, adds an add-on and schedules its removal, each as previewed; a refused quantity is named beside its field; cancels at period end and undoes it', async () => {
    const { smallPlanId, largePlanId } = await seedCatalogue(secret);
    const addOnProduct = await ok(secret, 'POST', '/v1/products', { name: 'Grinder service', add_on: true });
    const addOnPlan = await ok(secret, 'POST', '/v1/plans', {
      product_id: addOnProduct.id,
      name: 'Grinder service',
      interval: 'month',
      amounts: { EUR: 500 },
    });
    const { subscriptionId, clockId } = await subscriberOnClock(secret, {
      frozenTime: '2027-03-01T00:00:00.000Z',
      email: 'clara.console@example.test',
      name: 'Clara Console',
      locale: 'en',
      planId: smallPlanId,
    });
    await ok(secret, 'POST', `/v1/test_clocks/${clockId}/advance`, {
      frozen_time: '2027-03-16T12:00:00.000Z',
    });
    await untilClockReady(secret, clockId);

    const context = await browser.newContext({ viewport: DESKTOP, locale: 'en-US' });
    const { page, problems } = await watchedPage(context);
    const violations: string[] = [];
    await page.goto(`${stack.url}/admin/login`);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/admin`);
    const subscriptionPage = `${stack.url}/admin/subscriptions/${subscriptionId}`;
    await page.goto(subscriptionPage);

    // A quantity the API refuses (a browser that does not check `min`): the API's message beside the field.
    await page.getByText('Change plan or quantity', { exact: true }).click();
    const refused = await secret('POST', `/v1/subscriptions/${subscriptionId}/change/preview`, {
      quantity: 0,
    });
    await page.evaluate("document.getElementById('quantity').removeAttribute('min')");
    await page.locator('#quantity').fill('0');
    await page.getByRole('button', { name: 'Preview', exact: true }).first().click();
    await page.locator('#quantity-error').waitFor();
    expect((await page.locator('#quantity-error').innerText()).trim()).toBe(
      (refused.body.error as { message: string }).message,
    );

    // The large plan, by direction an upgrade: prorated now, invoiced as previewed.
    await page.locator('#plan_id').selectOption(largePlanId);
    await page.locator('#quantity').fill('1');
    await page.getByRole('button', { name: 'Preview', exact: true }).first().click();
    const upgrade = await previewLines(page);
    expect(upgrade).toHaveLength(2);
    violations.push(...(await seriousViolations(page)));
    await screenshot(page, 'console-change-preview-en');
    expect(await confirm(page, subscriptionId)).toEqual([upgrade]);

    // An add-on, now; then its removal, which waits for the period end.
    await page.getByText('Change plan or quantity', { exact: true }).click();
    await page.locator('#addon-plan_id').selectOption(String(addOnPlan.id));
    await page.locator('#addon-quantity').fill('1');
    await page.getByRole('button', { name: 'Preview', exact: true }).last().click();
    const adding = await previewLines(page);
    expect(adding).toHaveLength(1);
    expect(await confirm(page, subscriptionId)).toEqual([adding]);
    const items = (await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).items as Item[];
    expect(items.map((item) => [item.plan_id, item.quantity])).toEqual([
      [largePlanId, 1],
      [addOnPlan.id, 1],
    ]);
    await page.getByText('Change plan or quantity', { exact: true }).click();
    await page.getByRole('button', { name: 'Preview removal' }).click();
    expect(await previewLines(page)).toEqual([]);
    expect(await confirm(page, subscriptionId)).toEqual([]);
    expect(await mainText(page)).toContain('Monthly beans, large × 1 at period end');
    violations.push(...(await seriousViolations(page)));

    // Cancel at period end with a reason, then undo.
    await page.getByText('Cancel', { exact: true }).first().click();
    await page.getByLabel('Reason').fill('moving abroad');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.waitForURL(/done=canceled/);
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).toMatchObject({
      cancel_at_period_end: true,
      cancellation_reason: 'moving abroad',
    });
    await page.getByRole('button', { name: 'Undo cancellation' }).click();
    await page.waitForURL(/done=undone/);
    expect(await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).toMatchObject({
      cancel_at_period_end: false,
    });

    const audit = (
      await ok(secret, 'GET', `/v1/events?subscription_id=${subscriptionId}&order=desc&limit=100`)
    ).data as { type: string; data: { actor?: { email: string } } }[];
    expect(
      audit
        .filter((event) => event.type.startsWith('console.subscription.'))
        .map((event) => [event.type, event.data.actor?.email]),
    ).toEqual([
      ['console.subscription.cancellation_undone', OPERATOR.email],
      ['console.subscription.canceled', OPERATOR.email],
      ['console.subscription.changed', OPERATOR.email],
      ['console.subscription.changed', OPERATOR.email],
      ['console.subscription.changed', OPERATOR.email],
    ]);
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
    await context.close();
  });
});
