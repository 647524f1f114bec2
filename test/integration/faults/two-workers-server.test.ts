import {
  advanceStorm,
  faultMoments,
  faultRandom,
  type FaultStack,
  reachMoment,
  readLedger,
  redeliveries,
  STORM_RENEWAL,
  STORM_START,
  startFaultStack,
  startStorm,
  stormSize,
  stormViolations,
  waitForPeriod,
  waitUntil,
} from '../../support/faults';

const SUBSCRIPTIONS = stormSize(100);

describe('faults: one of two worker processes killed with SIGKILL during a renewal storm on the Temporal server (PostgreSQL)', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack({ temporal: 'server' });
  }, 300000);

  afterAll(async () => {
    await stack?.close();
  });

  test(`two workers share ${SUBSCRIPTIONS} renewals, one is killed midway and the other finishes alone: one paid invoice per period, one charge per invoice, no workflow stuck, each email once per cause`, async () => {
    const random = faultRandom('two workers on the Temporal server');
    const workers = [stack.spawnWorker(), stack.spawnWorker()];
    await Promise.all(workers.map((worker) => worker.ready));
    const ids = await startStorm(stack, SUBSCRIPTIONS, 'tok_visa');
    await waitForPeriod(stack, ids, 0, STORM_START, 180000);

    await advanceStorm(stack, ids, STORM_RENEWAL);
    const [moment] = faultMoments(random, 1, SUBSCRIPTIONS);
    const paidAtKill = await reachMoment(stack, 1, moment ?? 1);
    const victim = random.between(0, 1);
    await workers[victim]?.kill('SIGKILL');
    const survivor = workers[1 - victim];
    console.log(
      `[faults] two workers on the Temporal server: worker ${victim + 1} killed with ${paidAtKill} of ${SUBSCRIPTIONS} renewals paid`,
    );
    // A kill after the storm had ended would prove nothing about work taken over.
    expect(paidAtKill).toBeLessThan(SUBSCRIPTIONS);

    // The killed worker's activities come back to the survivor after their heartbeat or start-to-close timeout, and
    // the workflow tasks queued for it after the fault stack's sticky timeout (a minute).
    const snapshots = await waitForPeriod(stack, ids, 1, STORM_RENEWAL, 360000);
    expect([...snapshots.values()].filter((snapshot) => snapshot.state.status !== 'active')).toEqual([]);
    await waitUntil(
      async () =>
        (await readLedger(stack, stack.catcher, ids)).emailRows.every((row) => row.status === 'sent'),
      'the outbox to drain',
      60000,
    );
    expect(survivor?.child.exitCode).toBeNull();
    expect(survivor?.child.signalCode).toBeNull();

    const ledger = await readLedger(stack, stack.catcher, ids);
    expect(stormViolations(ledger, [0, 1])).toEqual([]);
    expect(ledger.invoiceTotals.size).toBe(SUBSCRIPTIONS * 2);
    console.log(
      `[faults] two workers on the Temporal server: ${ledger.emailRows.length} emails, ${redeliveries(ledger)} SMTP re-deliveries of an already accepted Message-ID`,
    );
  }, 900000);
});
