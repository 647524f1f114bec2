import { Customer, Invoice } from '../../../src/db/entities';
import { initOrm, type Orm } from '../../../src/db/orm.config';
import { startSmtpCatcher, type SmtpCatcher } from '../../../src/dev/smtp-catcher';
import {
  advanceStorm,
  paidInvoices,
  readLedger,
  redeliveries,
  STORM_RENEWAL,
  STORM_START,
  startStorm,
  stormViolations,
  waitForAllSettled,
  waitUntil,
} from '../../support/faults';
import {
  type InProcessStack,
  type OwnPostgres,
  startInProcessStack,
  startOwnPostgres,
} from '../../support/outage';

const SUBSCRIPTIONS = 30;
const OUTAGE_MS = 10_000;
/**
 * A short connect wait, so that several rounds of probes fit inside the outage even on a loaded machine; the bound
 * is that wait plus a wide margin: anything slower counts as a hang.
 */
const CONNECT_WAIT_MS = 1_000;
const ANSWER_WITHIN_MS = CONNECT_WAIT_MS + 5_000;

interface Probe {
  path: string;
  status: number;
  body: unknown;
  elapsedMs: number;
}

describe('fault: PostgreSQL stopped for 10 seconds in the middle of a renewal storm', () => {
  let postgres: OwnPostgres;
  let orm: Orm;
  /**
   * The test's own seeding and reads, on a pool of their own with the default waits: the stack's pool is bounded
   * tightly for the outage, and the test must not compete with what it measures (on a loaded machine a 1 s wait for
   * one of ten connections failed the seeding, not the system).
   */
  let observer: Orm;
  let catcher: SmtpCatcher;
  let stack: InProcessStack;

  beforeAll(async () => {
    catcher = await startSmtpCatcher();
    postgres = await startOwnPostgres();
    // The production bounds (connect and query timeouts) are the ones under test: no overrides but the pool size.
    orm = await initOrm(postgres.url, { poolMax: 10, connectTimeoutMs: CONNECT_WAIT_MS });
    await orm.getMigrator().up();
    observer = await initOrm(postgres.url, { poolMax: 4 });
    stack = await startInProcessStack(orm, catcher.smtpUrl);
  });

  afterAll(async () => {
    await stack?.close();
    await orm?.close(true);
    await observer?.close(true);
    await Promise.all([postgres?.close(), catcher?.close()]);
  });

  async function probe(path: string, init: RequestInit = {}): Promise<Probe> {
    const began = Date.now();
    const response = await fetch(`${stack.apiUrl}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${stack.apiKey}`,
        'Content-Type': 'application/json',
        ...init.headers,
      },
      // Past this the client gives up: a hang then fails the test instead of stalling it.
      signal: AbortSignal.timeout(20_000),
    });
    return { path, status: response.status, body: await response.json(), elapsedMs: Date.now() - began };
  }

  test('activities retry through it, the invariants hold, and the API answers 503 meanwhile', async () => {
    const subscriptionIds = await startStorm({ ...stack, orm: observer }, SUBSCRIPTIONS, 'tok_visa');
    await waitUntil(
      async () => (await paidInvoices(observer, 0)) === SUBSCRIPTIONS,
      'the first invoices',
      120_000,
    );
    await waitForAllSettled(stack, subscriptionIds, STORM_START, 60_000);
    const [customer] = await observer.em.fork().find(Customer, {}, { limit: 1 });
    if (!customer) throw new Error('the storm seeded no customer');

    await advanceStorm(stack, subscriptionIds, STORM_RENEWAL);
    // Mid-run: the first renewal invoice exists, so renewals are being written when the database goes away.
    await waitUntil(
      async () => (await observer.em.fork().count(Invoice, { periodIndex: 1 })) > 0,
      'the first renewal invoice',
      60_000,
      10,
    );
    const paidWhenStopped = await paidInvoices(observer, 1);
    await postgres.stop();
    const stoppedAt = Date.now();

    const probes: Probe[] = [];
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      probes.push(
        ...(await Promise.all([
          probe('/v1/subscriptions'),
          probe(`/v1/customers/${customer.id}`),
          probe('/v1/customers', {
            method: 'POST',
            headers: { 'Idempotency-Key': `outage-${probes.length}` },
            body: JSON.stringify({ email: 'neu@example.test', name: 'Neu Kunde', country: 'DE' }),
          }),
        ])),
      );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const readiness = await probe('/readyz');
    const liveness = await probe('/healthz');
    await postgres.start();

    expect(paidWhenStopped).toBeLessThan(SUBSCRIPTIONS);
    expect(probes.length).toBeGreaterThanOrEqual(6);
    for (const answer of probes) {
      expect({ path: answer.path, status: answer.status, body: answer.body }).toEqual({
        path: answer.path,
        status: 503,
        body: {
          error: { type: 'service_unavailable', code: 'database_unavailable', message: expect.any(String) },
        },
      });
      expect(answer.elapsedMs).toBeLessThan(ANSWER_WITHIN_MS);
    }
    expect(readiness.status).toBe(503);
    expect(readiness.body).toMatchObject({
      error: { type: 'service_unavailable', code: 'dependency_unavailable' },
      checks: { database: 'unavailable', temporal: 'ok' },
    });
    expect(liveness.status).toBe(200);

    // The API recovers on its own: the pool replaces the connections the stop terminated.
    await waitUntil(
      async () => (await probe('/v1/subscriptions')).status === 200,
      'the API to recover',
      30_000,
    );
    // The slowest retry in play is the email preset's (5 s, 10 s, 20 s …), so a minute and a half bounds it.
    await waitUntil(
      async () => (await paidInvoices(observer, 1)) === SUBSCRIPTIONS,
      'every renewal invoice to be paid',
      90_000,
    );
    await catcher.waitForMessages(SUBSCRIPTIONS * 3, 90_000);
    await waitForAllSettled(stack, subscriptionIds, STORM_RENEWAL, 90_000);

    const ledger = await readLedger(stack, catcher, subscriptionIds);
    expect(stormViolations(ledger, [0, 1])).toEqual([]);
    // Welcome, first receipt and renewal receipt, each recorded as sent and delivered exactly once.
    expect(ledger.emailRows.map((row) => row.kind).sort()).toEqual(
      subscriptionIds.flatMap(() => ['receipt', 'receipt', 'welcome']).sort(),
    );
    expect(redeliveries(ledger)).toBe(0);
    expect(catcher.messages()).toHaveLength(SUBSCRIPTIONS * 3);
  }, 420_000);
});
