import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../../scripts/provision/ports';
import { type ApiCall, ok } from './api-flow';

const root = path.resolve(__dirname, '..', '..');

/** `npm start` as a child process on free ports and a state folder of its own, and the addresses it printed. */
export interface StartedEngine {
  api: string;
  webUi: string;
  apiKey: string;
  output: () => string;
  stop: () => Promise<number | null>;
}

export async function startEngine(): Promise<StartedEngine> {
  const ports = {
    TEMPORAL_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    API_PORT: await freePort(),
    PG_PORT: await freePort(),
    SMTP_PORT: await freePort(),
    SMTP_HTTP_PORT: await freePort(),
  };
  const state = await mkdtemp(path.join(os.tmpdir(), 'perennial-web-ui-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PERENNIAL_CACHE_DIR: process.env.PERENNIAL_CACHE_DIR,
    PERENNIAL_STATE_DIR: state,
    LOG_LEVEL: 'warn',
    // One worker beside the API: the machine running the tests has other test files to run.
    WORKER_PROCESSES: '1',
    ...Object.fromEntries(Object.entries(ports).map(([key, value]) => [key, String(value)])),
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  /** Stops it as Ctrl-C does and removes its state (its PostgreSQL and Temporal databases); answers the exit code. */
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    const code = await exited;
    await rm(state, { recursive: true, force: true });
    return code;
  };
  const deadline = Date.now() + 120_000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const apiKey = /Development API key (sk_\S+)/.exec(output)?.[1];
  const webUi = /Temporal Web UI\s+(http\S+)/.exec(output)?.[1];
  if (!apiKey || !webUi) {
    await stop();
    throw new Error(`npm start printed no API key or Web UI address:\n${output}`);
  }
  return { api: `http://127.0.0.1:${ports.API_PORT}`, webUi, apiKey, output: () => output, stop };
}

/** One subscription of the scenario, with what its workflow's current details must say about it. */
export interface ScenarioSubscription {
  id: string;
  workflowId: string;
  customerId: string;
  customerName: string;
  customerEmail: string;
}

export interface OperatorScenario {
  planName: string;
  active: ScenarioSubscription;
  paused: ScenarioSubscription;
  pastDue: ScenarioSubscription;
  /** The paused subscription's resume date, as the API was told. */
  resumesAt: string;
}

async function subscribe(
  call: ApiCall,
  planId: string,
  customer: { name: string; email: string; token: string; testClockId?: string },
): Promise<ScenarioSubscription> {
  const created = await ok(call, 'POST', '/v1/customers', {
    email: customer.email,
    name: customer.name,
    locale: 'de',
    country: 'DE',
    ...(customer.testClockId ? { test_clock_id: customer.testClockId } : {}),
  });
  const customerId = String(created.id);
  await ok(call, 'POST', `/v1/customers/${customerId}/payment_methods`, {
    gateway: 'sandbox',
    token: customer.token,
  });
  const subscription = await ok(call, 'POST', '/v1/subscriptions', {
    customer_id: customerId,
    plan_id: planId,
  });
  const id = String(subscription.id);
  return {
    id,
    workflowId: `subscription-${id}`,
    customerId,
    customerName: customer.name,
    customerEmail: customer.email,
  };
}

async function untilClockReady(call: ApiCall, clockId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const clock = await ok(call, 'GET', `/v1/test_clocks/${clockId}`);
    if (clock.status === 'ready') return;
    if (Date.now() > deadline)
      throw new Error(`clock ${clockId} did not get ready: ${JSON.stringify(clock)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What an operator meets on a working day, made through the public API: a seller whose notices are in English, one
 * monthly plan, and three subscriptions to it: one active and waiting for its next charge, one paused until a date,
 * and one past due on a test clock (its renewal was declined, so it continued as a new run and waits for a retry).
 */
export async function createOperatorScenario(call: ApiCall): Promise<OperatorScenario> {
  await ok(call, 'PUT', '/v1/settings', {
    name: 'Rösterei Beispiel GmbH',
    address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
    country: 'DE',
    vat_id: 'DE123456789',
    default_currency: 'EUR',
    time_zone: 'Europe/Berlin',
    notification_locale: 'en',
  });
  const product = await ok(call, 'POST', '/v1/products', { name: 'Coffee' });
  const planName = 'Monthly beans';
  const plan = await ok(call, 'POST', '/v1/plans', {
    product_id: product.id,
    name: planName,
    interval: 'month',
    amounts: { EUR: 1900 },
  });
  const planId = String(plan.id);

  const active = await subscribe(call, planId, {
    name: 'Erika Mustermann',
    email: 'erika@example.test',
    token: 'tok_visa',
  });

  const paused = await subscribe(call, planId, {
    name: 'Jonas Becker',
    email: 'jonas@example.test',
    token: 'tok_visa',
  });
  const resumesAt = '2027-04-01T12:00:00.000Z';
  await ok(call, 'POST', `/v1/subscriptions/${paused.id}/pause`, { resumes_at: resumesAt });

  // On a test clock: the first charge succeeds, the card is then replaced by one that declines, and the clock
  // moves past the period's end, so the renewal fails and dunning schedules a retry.
  const clock = await ok(call, 'POST', '/v1/test_clocks', { frozen_time: '2027-02-01T09:00:00.000Z' });
  const clockId = String(clock.id);
  const pastDue = await subscribe(call, planId, {
    name: 'Mia Schneider',
    email: 'mia@example.test',
    token: 'tok_visa',
    testClockId: clockId,
  });
  const declining = await ok(call, 'POST', `/v1/customers/${pastDue.customerId}/payment_methods`, {
    gateway: 'sandbox',
    token: 'tok_chargeDeclined',
  });
  await ok(call, 'POST', `/v1/subscriptions/${pastDue.id}/payment_method`, {
    payment_method_id: declining.id,
  });
  await ok(call, 'POST', `/v1/test_clocks/${clockId}/advance`, { frozen_time: '2027-03-01T12:00:00.000Z' });
  await untilClockReady(call, clockId);

  return { planName, active, paused, pastDue, resumesAt };
}

/** The Web UI's list of the default namespace's workflows, filtered by a visibility query as an operator types it. */
export function workflowListUrl(webUi: string, query: string): string {
  return `${webUi}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
}

export function workflowUrl(webUi: string, workflowId: string): string {
  return `${webUi}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
}

/** All text the page shows, frames included (the Web UI renders markdown in sandboxed frames). */
export async function visibleText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) =>
      frame
        .locator('body')
        .innerText()
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}
