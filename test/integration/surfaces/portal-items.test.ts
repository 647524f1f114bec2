import type { Browser, Page } from 'playwright-core';
import { type ApiCall, ok, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { DESKTOP, launchBrowser, screenshot, seriousViolations, watchedPage } from '../../support/browser';
import {
  mainText,
  openPortal,
  seedCatalogue,
  subscriberOnClock,
  untilClockReady,
} from '../../support/surfaces';

type Item = { id: string; plan_id: string; quantity: number; add_on: boolean };
type Invoice = { id: string; lines: { description: string; amount: number }[] };

/**
 * Add-ons in the customer portal, on the subscription item model: added, changed and removed through the API's item
 * routes, each after the API's own preview, which is exactly what is then invoiced.
 */
describe('customer portal: add-ons in a browser', () => {
  let stack: ApiStack;
  let browser: Browser;
  let secret: ApiCall;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startApiStack('portal-items', { listen: true }), launchBrowser()]);
    secret = supertestCall(stack.app, stack.auth);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const euros = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'EUR' });

  /** The preview's lines as the page shows them: description and amount. */
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

  const invoices = async (subscriptionId: string) =>
    (await ok(secret, 'GET', `/v1/invoices?subscription_id=${subscriptionId}&limit=100`)).data as Invoice[];

  /** Confirms the change shown and answers the one invoice it created, line by line as the page writes them. */
  async function confirmAndInvoice(page: Page, subscriptionId: string): Promise<string[][]> {
    const before = await invoices(subscriptionId);
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.waitForURL(/notice=changed/);
    const created = (await invoices(subscriptionId)).filter(
      (invoice) => !before.some((old) => old.id === invoice.id),
    );
    expect(created).toHaveLength(1);
    return (created[0]?.lines ?? []).map((line) => [line.description, euros.format(line.amount / 100)]);
  }

  test('a customer adds an add-on, changes its quantity and removes it, each invoiced exactly as previewed; a refused quantity shows the API message beside its field', async () => {
    const { smallPlanId } = await seedCatalogue(secret);
    const addOnProduct = await ok(secret, 'POST', '/v1/products', { name: 'Tasting seats', add_on: true });
    const addOnPlan = await ok(secret, 'POST', '/v1/plans', {
      product_id: addOnProduct.id,
      name: 'Tasting seats',
      interval: 'month',
      amounts: { EUR: 300 },
    });
    const { customerId, subscriptionId, clockId } = await subscriberOnClock(secret, {
      frozenTime: '2027-03-01T00:00:00.000Z',
      email: 'adele.addon@example.test',
      name: 'Adele Addon',
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
    await openPortal(secret, page, customerId);
    await page.goto(`${stack.url}/portal/subscriptions/${subscriptionId}`);
    expect(await mainText(page)).toContain('No add-ons yet.');

    // Add two tasting seats: charged now for the rest of March.
    await page.getByLabel('Add-on').selectOption(String(addOnPlan.id));
    await page.locator('#addon-quantity').fill('2');
    await page.getByRole('button', { name: 'Preview adding it' }).click();
    const adding = await previewLines(page);
    expect(adding).toHaveLength(1);
    expect(await page.locator('#change-preview').innerText()).toContain(
      'Monthly beans × 1, Tasting seats × 2',
    );
    violations.push(...(await seriousViolations(page)));
    await screenshot(page, 'portal-addon-preview-en');
    expect(await confirmAndInvoice(page, subscriptionId)).toEqual(adding);
    const items = (await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).items as Item[];
    const seats = items.find((item) => item.add_on);
    expect(seats).toMatchObject({ plan_id: addOnPlan.id, quantity: 2 });
    const seatsId = String(seats?.id);

    // A quantity the API refuses (a browser that does not check `min`): its message stands beside the field.
    const refused = await secret('POST', `/v1/subscriptions/${subscriptionId}/items/${seatsId}/preview`, {
      quantity: 0,
    });
    expect(refused.status).toBe(400);
    await page.evaluate(`document.getElementById('quantity-${seatsId}').removeAttribute('min')`);
    await page.locator(`#quantity-${seatsId}`).fill('0');
    await page.getByRole('button', { name: 'Preview the new quantity' }).click();
    await page.locator(`#quantity-${seatsId}-error`).waitFor();
    expect((await page.locator(`#quantity-${seatsId}-error`).innerText()).trim()).toBe(
      (refused.body.error as { message: string }).message,
    );
    expect(await page.locator(`#quantity-${seatsId}`).getAttribute('aria-invalid')).toBe('true');
    violations.push(...(await seriousViolations(page)));

    // Three seats: an upgrade, prorated now (credit for two, charge for three).
    await page.locator(`#quantity-${seatsId}`).fill('3');
    await page.getByRole('button', { name: 'Preview the new quantity' }).click();
    const raising = await previewLines(page);
    expect(raising).toHaveLength(2);
    expect(await confirmAndInvoice(page, subscriptionId)).toEqual(raising);

    // Removing them is a downgrade: at the period end, nothing charged now.
    await page.getByRole('button', { name: 'Preview removing it' }).click();
    await page.locator('#change-preview').waitFor();
    expect(await page.locator('#change-preview').innerText()).toContain(
      'Takes effect at the end of the period, on April 1, 2027; nothing is charged now.',
    );
    expect(await previewLines(page)).toEqual([]);
    const before = await invoices(subscriptionId);
    await page.getByRole('button', { name: 'Confirm the change' }).click();
    await page.waitForURL(/notice=changed/);
    expect(await invoices(subscriptionId)).toHaveLength(before.length);
    const scheduled = (await ok(secret, 'GET', `/v1/subscriptions/${subscriptionId}`)).scheduled_change as {
      items: Item[];
    };
    expect(scheduled.items.map((item) => [item.plan_id, item.quantity])).toEqual([[smallPlanId, 1]]);
    expect(await mainText(page)).toContain('Changes to Monthly beans × 1 on April 1, 2027');
    violations.push(...(await seriousViolations(page)));
    await screenshot(page, 'portal-addons-en');
    expect(problems).toEqual([]);
    expect(violations).toEqual([]);
    await context.close();
  });
});
