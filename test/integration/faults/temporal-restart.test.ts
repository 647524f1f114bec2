import {
  advanceStorm,
  faultRandom,
  type FaultStack,
  faultMoments,
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

const SUBSCRIPTIONS = stormSize(200);

describe('faults: the Temporal dev server restarted on its database file during a renewal storm', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  test(`a server stopped mid-storm and started again on the same file: the worker carries on, and all ${SUBSCRIPTIONS} renewals are paid once with each email once per cause`, async () => {
    const random = faultRandom('temporal restart');
    const worker = stack.spawnWorker();
    await worker.ready;
    const ids = await startStorm(stack, SUBSCRIPTIONS, 'tok_visa');
    await waitForPeriod(stack, ids, 0, STORM_START, 180000);

    await advanceStorm(stack, ids, STORM_RENEWAL);
    const [moment = 1] = faultMoments(random, 1, SUBSCRIPTIONS);
    const paidAtStop = await reachMoment(stack, 1, moment);
    await stack.temporal.stop();
    const downMs = random.between(1000, 5000);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await stack.temporal.start();
    console.log(
      `[faults] temporal restart: stopped at ${paidAtStop} of ${SUBSCRIPTIONS} renewals paid, down ${downMs} ms`,
    );

    const snapshots = await waitForPeriod(stack, ids, 1, STORM_RENEWAL, 360000);
    expect([...snapshots.values()].filter((snapshot) => snapshot.state.status !== 'active')).toEqual([]);
    await waitUntil(
      async () =>
        (await readLedger(stack, stack.catcher, ids)).emailRows.every((row) => row.status === 'sent'),
      'the outbox to drain',
      60000,
    );
    // The same worker process rode out the outage: no restart was needed.
    expect(worker.child.exitCode).toBeNull();

    const ledger = await readLedger(stack, stack.catcher, ids);
    expect(stormViolations(ledger, [0, 1])).toEqual([]);
    expect(ledger.invoiceTotals.size).toBe(SUBSCRIPTIONS * 2);
    expect(redeliveries(ledger)).toBe(0);
  }, 900000);
});
