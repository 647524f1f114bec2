import type { Browser, Page } from 'playwright-core';
import { formatDate } from '../../src/documents/format';
import { type ApiCall, fetchCall, ok } from '../support/api-flow';
import { DESKTOP, launchBrowser, screenshot } from '../support/browser';
import {
  createOperatorScenario,
  type OperatorScenario,
  type ScenarioSubscription,
  startEngine,
  type StartedEngine,
  visibleText,
  workflowListUrl,
  workflowUrl,
} from '../support/web-ui';

/**
 * What an operator sees in the Temporal Web UI of `npm start`'s stack (the Temporal CLI's dev server and its Web UI
 * 2.42.1), in a real headless browser: the runbook's saved queries list exactly the subscriptions they name, and
 * each subscription's page says in words who it is, what it costs and what it waits for. The screenshots in
 * docs/operations.md are taken here, on every run.
 */
describe('the Temporal Web UI on npm start', () => {
  let engine: StartedEngine;
  let call: ApiCall;
  let scenario: OperatorScenario;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    engine = await startEngine();
    call = fetchCall(engine.api, engine.apiKey);
    [scenario, browser] = await Promise.all([createOperatorScenario(call), launchBrowser()]);
    page = await browser.newPage({ viewport: DESKTOP });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (engine) expect(await engine.stop()).toBe(0);
  }, 60_000);

  /**
   * The workflow ids the list shows for a query. The list reads the visibility store, which follows the workflows a
   * moment behind: the page is loaded again until it shows the expected rows (or the time is up).
   */
  async function listed(query: string, expected: string[]): Promise<string[]> {
    let ids: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      await page.goto(workflowListUrl(engine.webUi, query));
      const rows = page.locator('table a').filter({ hasText: /subscription-sub_/ });
      await rows
        .or(page.getByRole('heading', { name: 'No Results' }))
        .first()
        .waitFor();
      ids = (await rows.allInnerTexts()).map((id) => id.trim());
      if (JSON.stringify([...ids].sort()) === JSON.stringify([...expected].sort())) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return ids.sort();
  }

  /** The subscription's latest run in the Web UI, on its "User Metadata" tab, once its current details are shown. */
  async function metadataOf(subscription: ScenarioSubscription, expected: string): Promise<string> {
    await page.goto(workflowUrl(engine.webUi, subscription.workflowId));
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await page.getByRole('heading', { name: 'Current Details' }).waitFor();
    let text = '';
    for (let attempt = 0; attempt < 40 && !text.includes(expected); attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      text = await visibleText(page);
    }
    return text;
  }

  test("the saved query for past-due subscriptions lists exactly the one past due, and a customer's query its live run", async () => {
    const { active, paused, pastDue } = scenario;
    expect(await ok(call, 'GET', `/v1/subscriptions/${pastDue.id}`)).toMatchObject({ status: 'past_due' });

    const pastDueQuery = 'ExecutionStatus = "Running" AND SubscriptionStatus = "past_due"';
    const pastDueRows = await listed(pastDueQuery, [pastDue.workflowId]);
    expect(pastDueRows).toEqual([pastDue.workflowId]);
    expect(pastDueRows).not.toContain(active.workflowId);
    expect(pastDueRows).not.toContain(paused.workflowId);
    await screenshot(page, 'web-ui-list-past-due');

    // The past-due subscription continued as a new run at its renewal: the closed run still matches its customer,
    // which is why every saved query in the runbook starts with ExecutionStatus = "Running".
    const everyRun = await listed(`CustomerId = "${pastDue.customerId}"`, [
      pastDue.workflowId,
      pastDue.workflowId,
    ]);
    expect(everyRun).toEqual([pastDue.workflowId, pastDue.workflowId]);
    await screenshot(page, 'web-ui-list-customer-every-run');
    const running = await listed(`ExecutionStatus = "Running" AND CustomerId = "${pastDue.customerId}"`, [
      pastDue.workflowId,
    ]);
    expect(running).toEqual([pastDue.workflowId]);
    await screenshot(page, 'web-ui-list-customer');
  }, 90_000);

  test('each subscription shows who it is, its plan and amount, and what it waits for, in words', async () => {
    const { active, paused, pastDue, planName } = scenario;
    const price = '€22.61 per month'; // 19.00 EUR and German VAT at 19 %, as the next invoice charges it.

    const activeState = await ok(call, 'GET', `/v1/subscriptions/${active.id}`);
    const nextCharge = `next: charge €22.61 on ${formatDate(
      String(activeState.current_period_end),
      'en',
      String(activeState.time_zone),
    )}`;
    const activeText = await metadataOf(active, nextCharge);
    expect(activeText).toContain(`active · ${active.customerName} ${active.customerEmail}`);
    expect(activeText).toContain(`${planName} · ${price}`);
    expect(activeText).toContain(nextCharge);
    // The first run carries the summary written when the subscription started.
    expect(activeText).toContain(`Subscription ${active.id} · ${active.customerName}`);
    // Activities and the timer say what they are: the first invoice, its commit, and the renewal waited for.
    expect(activeText).toContain('invoice period 0');
    expect(activeText).toContain('record active, period 0');
    expect(activeText).toContain(`renewal at ${String(activeState.current_period_end)}`);
    await screenshot(page, 'web-ui-subscription-active');

    const pausedState = await ok(call, 'GET', `/v1/subscriptions/${paused.id}`);
    const pause = pausedState.pause as { since: string };
    const pausedUntil = `paused since ${formatDate(pause.since, 'en', String(pausedState.time_zone))} until April 1, 2027`;
    const pausedText = await metadataOf(paused, pausedUntil);
    expect(pausedText).toContain(`paused · ${paused.customerName} ${paused.customerEmail}`);
    expect(pausedText).toContain(`${planName} · ${price}`);
    expect(pausedText).toContain(pausedUntil);
    expect(pausedText).not.toContain('next: charge');
    await screenshot(page, 'web-ui-subscription-paused');

    // On the test clock, the renewal of 1 March 2027 was declined: the first of four retries is a day later.
    const retry = 'past due: retry 2 of 5 on March 2, 2027';
    const pastDueText = await metadataOf(pastDue, retry);
    expect(pastDueText).toContain(`past due · ${pastDue.customerName} ${pastDue.customerEmail}`);
    expect(pastDueText).toContain(`${planName} · ${price}`);
    expect(pastDueText).toContain(retry);
    expect(pastDueText).toContain('period March 1, 2027 – April 1, 2027');
    await screenshot(page, 'web-ui-subscription-past-due');
  }, 90_000);

  test('"Request Cancellation" in the Web UI cancels the subscription now, as an operator, and the read model says so', async () => {
    const { paused } = scenario;
    await page.goto(workflowUrl(engine.webUi, paused.workflowId));
    await page.getByRole('button', { name: 'Request Cancellation' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: /confirm/i }).click();

    let row: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 60 && row.status !== 'canceled'; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      row = await ok(call, 'GET', `/v1/subscriptions/${paused.id}`);
    }
    expect(row).toMatchObject({ status: 'canceled', cancellation_reason: 'operator_request' });
    const events = await ok(call, 'GET', `/v1/events?subscription_id=${paused.id}&limit=100`);
    expect(
      (events.data as { type: string }[]).filter((event) => event.type === 'subscription.canceled'),
    ).toHaveLength(1);
    // The workflow has ended by now: the page, loaded again, shows how.
    await page.reload();
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await page.getByRole('heading', { name: 'Current Details' }).waitFor();
    await screenshot(page, 'web-ui-request-cancellation');
  }, 90_000);
});
