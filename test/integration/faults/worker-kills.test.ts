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
const KILLS = 3;

describe('faults: the worker process killed with SIGKILL during a renewal storm', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  test(`${KILLS} kills and restarts during ${SUBSCRIPTIONS} renewals: one paid invoice per period, one charge per invoice, no workflow stuck, each email once per cause`, async () => {
    const random = faultRandom('worker kills');
    let worker = stack.spawnWorker();
    await worker.ready;
    const ids = await startStorm(stack, SUBSCRIPTIONS, 'tok_visa');
    await waitForPeriod(stack, ids, 0, STORM_START, 180000);

    await advanceStorm(stack, ids, STORM_RENEWAL);
    const killedAt: number[] = [];
    for (const moment of faultMoments(random, KILLS, SUBSCRIPTIONS)) {
      killedAt.push(await reachMoment(stack, 1, moment));
      await worker.kill('SIGKILL');
      worker = stack.spawnWorker();
      await worker.ready;
    }
    console.log(
      `[faults] worker kills: renewals paid at each kill ${JSON.stringify(killedAt)} of ${SUBSCRIPTIONS}`,
    );

    // Activities killed mid-flight come back only after their start-to-close timeout (a minute for charges).
    const snapshots = await waitForPeriod(stack, ids, 1, STORM_RENEWAL, 360000);
    expect([...snapshots.values()].filter((snapshot) => snapshot.state.status !== 'active')).toEqual([]);
    await waitUntil(
      async () =>
        (await readLedger(stack, stack.catcher, ids)).emailRows.every((row) => row.status === 'sent'),
      'the outbox to drain',
      60000,
    );

    const ledger = await readLedger(stack, stack.catcher, ids);
    expect(stormViolations(ledger, [0, 1])).toEqual([]);
    expect(ledger.invoiceTotals.size).toBe(SUBSCRIPTIONS * 2);
    console.log(
      `[faults] worker kills: ${ledger.emailRows.length} emails, ${redeliveries(ledger)} SMTP re-deliveries of an already accepted Message-ID`,
    );
  }, 900000);
});
