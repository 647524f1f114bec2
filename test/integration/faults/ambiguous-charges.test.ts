import {
  advanceStorm,
  type FaultStack,
  readLedger,
  STORM_RENEWAL,
  STORM_START,
  startFaultStack,
  startStorm,
  stormSize,
  stormViolations,
  waitForPeriod,
} from '../../support/faults';

const SUBSCRIPTIONS = stormSize(100);

describe('faults: ambiguous charges (tok_timeoutAfterCharge) under load', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await startFaultStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  test(`${SUBSCRIPTIONS} subscriptions whose every charge goes through and then times out, started and renewed at once: each invoice charged exactly once, for its amount due`, async () => {
    stack.spawnWorker();
    const ids = await startStorm(stack, SUBSCRIPTIONS, 'tok_timeoutAfterCharge');
    await waitForPeriod(stack, ids, 0, STORM_START, 180000);
    await advanceStorm(stack, ids, STORM_RENEWAL);
    const snapshots = await waitForPeriod(stack, ids, 1, STORM_RENEWAL, 240000);
    expect([...snapshots.values()].filter((snapshot) => snapshot.state.status !== 'active')).toEqual([]);

    const ledger = await readLedger(stack, stack.catcher, ids);
    expect(stormViolations(ledger, [0, 1])).toEqual([]);
    expect(ledger.invoiceTotals.size).toBe(SUBSCRIPTIONS * 2);
    // Every charge in the ledger is one that timed out after charging, so each invoice went through the ambiguity.
    const [{ ambiguous } = { ambiguous: '0' }] = await stack.db.orm.em
      .fork()
      .getConnection()
      .execute<{ ambiguous: string }[]>(
        `select count(*) as ambiguous from sandbox_charges where token = 'tok_timeoutAfterCharge' and status = 'succeeded'`,
      );
    expect(Number(ambiguous)).toBe(SUBSCRIPTIONS * 2);
  }, 450000);
});
