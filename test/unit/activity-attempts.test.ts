import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { activityAttempts, heartbeatEveryMs, slowAttempt } from '../../src/temporal/activity-attempts';

const info = {
  activityType: 'billPeriod',
  attempt: 1,
  isLocal: false,
  currentAttemptScheduledTimestampMs: 1_000,
  startToCloseTimeoutMs: 60_000,
};

describe('a slow activity attempt', () => {
  test('is one that used half its start-to-close timeout or more, with its queue and run time', () => {
    expect(slowAttempt(info, 4_000, 34_000)).toEqual({
      activityType: 'billPeriod',
      attempt: 1,
      local: false,
      queuedMs: 3_000,
      ranMs: 30_000,
      startToCloseTimeoutMs: 60_000,
    });
    expect(slowAttempt(info, 4_000, 95_000)).toMatchObject({ ranMs: 91_000 });
  });

  test('is not one that ended sooner, nor one without a start-to-close timeout', () => {
    expect(slowAttempt(info, 4_000, 33_999)).toBeNull();
    expect(slowAttempt({ ...info, startToCloseTimeoutMs: 0 }, 4_000, 900_000)).toBeNull();
  });

  test('never reports a negative queue when clocks disagree', () => {
    expect(slowAttempt({ ...info, currentAttemptScheduledTimestampMs: 9_000 }, 4_000, 40_000)).toMatchObject({
      queuedMs: 0,
    });
  });
});

describe('a running activity attempt', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function heartbeatsOf(attempt: Partial<Info>, runMs: number) {
    const env = new MockActivityEnvironment(attempt, { interceptors: [activityAttempts] });
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    await env.run(async () => sleep(runMs));
    return beats;
  }

  test('heartbeats every quarter of its heartbeat timeout while it runs, so a lost attempt is retried at that timeout', async () => {
    expect(heartbeatEveryMs(20_000)).toBe(5_000);
    expect(
      await heartbeatsOf({ heartbeatTimeoutMs: 200, startToCloseTimeoutMs: 10_000 }, 800),
    ).toBeGreaterThanOrEqual(4);
  });

  test('sends none without a heartbeat timeout, and none as a local activity', async () => {
    expect(heartbeatEveryMs(undefined)).toBeNull();
    expect(await heartbeatsOf({ heartbeatTimeoutMs: undefined, startToCloseTimeoutMs: 10_000 }, 200)).toBe(0);
    expect(
      await heartbeatsOf({ heartbeatTimeoutMs: 200, isLocal: true, startToCloseTimeoutMs: 10_000 }, 200),
    ).toBe(0);
  });

  test('stops heartbeating when it ends, and logs a warning when it used half its start-to-close timeout', async () => {
    const slow: unknown[] = [];
    const logger = new DefaultLogger('WARN', (entry) => {
      if (entry.message === 'slow activity attempt') slow.push(entry.meta);
    });
    const env = new MockActivityEnvironment(
      { activityType: 'billPeriod', heartbeatTimeoutMs: 200, startToCloseTimeoutMs: 200 },
      { interceptors: [activityAttempts], logger },
    );
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    await expect(
      env.run(async () => {
        await sleep(120);
        throw new Error('declined by the database');
      }),
    ).rejects.toThrow('declined by the database');
    const atEnd = beats;
    await sleep(150);
    expect(beats).toBe(atEnd);
    expect(slow).toEqual([
      expect.objectContaining({ activityType: 'billPeriod', startToCloseTimeoutMs: 200 }),
    ]);
  });
});
