import { Client, Connection } from '@temporalio/client';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeLowPort } from '../../scripts/provision/ports';
import { fetchCall, subscribeThroughApi } from '../support/api-flow';
import { CustomerIdKey, PlanIdKey, SubscriptionStatusKey } from '../../src/workflows/search-attributes';

const root = path.resolve(__dirname, '..', '..');

/** Every live descendant of a process, read from /proc, so the test can prove none outlives `npm start`. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we were looking.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

interface Started {
  child: ChildProcess;
  output: () => string;
  apiKey: string;
}

async function startEngine(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 120000;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const apiKey = /Development API key (sk_\S+)/.exec(output)?.[1];
  if (!apiKey) throw new Error(`no API key printed:\n${output}`);
  return { child, output: () => output, apiKey };
}

async function stopEngine(started: Started): Promise<number[]> {
  const tree = descendants(started.child.pid as number);
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGINT');
  expect(await exited).toBe(0);
  return tree;
}

/** Signs in to the console as a browser does (the sign-in form's token, then the form) and returns the cookie. */
async function consoleSignIn(api: string, email: string, password: string): Promise<string> {
  const form = await fetch(`${api}/admin/login`);
  const token = /perennial_console_login=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const signedIn = await fetch(`${api}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `perennial_console_login=${token}`,
    },
    body: new URLSearchParams({ _csrf: token, email, password, next: '/admin' }).toString(),
  });
  expect(signedIn.status).toBe(303);
  const session = /perennial_console=([^;]+)/.exec(signedIn.headers.get('set-cookie') ?? '')?.[1];
  if (!session) throw new Error('no console session cookie');
  return `perennial_console=${session}`;
}

describe('npm start', () => {
  test('serves API, Web UI and dev server with search attributes and a console login that signs in, resumes after a restart, and leaves no process behind', async () => {
    // Below the kernel's ephemeral range: npm start binds these seconds after they were picked, and a port from
    // that range could meanwhile become the local end of any outgoing connection of the tests running beside it
    // (the dev server once failed with "address already in use" so).
    const taken = new Set<number>();
    const ports = {
      TEMPORAL_PORT: await freeLowPort(taken),
      TEMPORAL_UI_PORT: await freeLowPort(taken),
      API_PORT: await freeLowPort(taken),
      PG_PORT: await freeLowPort(taken),
      SMTP_PORT: await freeLowPort(taken),
      SMTP_HTTP_PORT: await freeLowPort(taken),
    };
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PERENNIAL_CACHE_DIR: process.env.PERENNIAL_CACHE_DIR,
      PERENNIAL_STATE_DIR: await mkdtemp(path.join(os.tmpdir(), 'perennial-start-')),
      LOG_LEVEL: 'warn',
      ...Object.fromEntries(Object.entries(ports).map(([key, value]) => [key, String(value)])),
    };
    const api = `http://127.0.0.1:${ports.API_PORT}`;

    const first = await startEngine(env);
    const ready = await fetch(`${api}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
    expect((await fetch(`http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/`)).status).toBe(200);
    expect(first.output()).toContain(`Temporal Web UI     http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`);

    const { subscription, customerId, planId } = await subscribeThroughApi(fetchCall(api, first.apiKey));
    expect(subscription).toMatchObject({ status: 'active' });
    const id = String(subscription.id);

    const connection = await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_PORT}` });
    try {
      const client = new Client({ connection });
      let listed: { workflowId: string; customer?: string; plan?: string; status?: string }[] = [];
      for (let attempt = 0; attempt < 40 && listed.length === 0; attempt++) {
        for await (const execution of client.workflow.list({ query: `CustomerId = '${customerId}'` })) {
          listed.push({
            workflowId: execution.workflowId,
            customer: execution.typedSearchAttributes.get(CustomerIdKey),
            plan: execution.typedSearchAttributes.get(PlanIdKey),
            status: execution.typedSearchAttributes.get(SubscriptionStatusKey),
          });
        }
        if (listed.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(listed).toEqual([
        { workflowId: `subscription-${id}`, customer: customerId, plan: planId, status: 'active' },
      ]);
      listed = [];
    } finally {
      await connection.close();
    }

    // The console's development login, as printed, signs in; the subscription's page links its workflow in the UI.
    const login = /Operator console\s+(\S+)\s+\((\S+) \/ (\S+)\)/.exec(first.output());
    expect(login?.[1]).toBe(`http://localhost:${ports.API_PORT}/admin`);
    const consoleCookie = await consoleSignIn(api, String(login?.[2]), String(login?.[3]));
    const page = await fetch(`${api}/admin/subscriptions/${id}`, { headers: { cookie: consoleCookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(
      `http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/namespaces/default/workflows/subscription-${id}`,
    );

    const firstTree = await stopEngine(first);
    expect(firstTree.length).toBeGreaterThan(0);
    expect(firstTree.filter(alive)).toEqual([]);

    const second = await startEngine(env);
    expect(second.apiKey).toBe(first.apiKey);
    expect(/Operator console .*\)/.exec(second.output())?.[0]).toBe(
      /Operator console .*\)/.exec(first.output())?.[0],
    );
    const resumed = await fetch(`${api}/v1/subscriptions/${id}?live=true`, {
      headers: { Authorization: `Bearer ${second.apiKey}` },
    });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ id, status: 'active', live: true });
    const secondTree = await stopEngine(second);
    expect(secondTree.filter(alive)).toEqual([]);
  });
});
