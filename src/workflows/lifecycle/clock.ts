import { condition } from '@temporalio/workflow';

/**
 * The one way the lifecycle waits. On the real clock (and on Temporal's time-skipping server) it is workflow time
 * and a durable timer; under an API test clock, time only moves when the clock's owner says so by signal.
 */
export interface Clock {
  now(): number;
  /**
   * Resolves when `atMs` is reached or `wake()` turns true, whichever comes first; `summary` names the timer in the
   * Web UI.
   */
  waitUntil(atMs: number | null, wake: () => boolean, summary?: string): Promise<void>;
  /** Test clocks only: move to a later time. */
  advanceTo(frozenMs: number): void;
  toJSON(): ClockState;
}

export type ClockState = { kind: 'real' } | { kind: 'test'; frozenTime: string };

export function createClock(state: ClockState): Clock {
  if (state.kind === 'real') {
    return {
      now: () => Date.now(),
      async waitUntil(atMs, wake, summary) {
        if (atMs === null) await condition(wake);
        else if (atMs > Date.now()) {
          await (summary === undefined
            ? condition(wake, atMs - Date.now())
            : condition(wake, atMs - Date.now(), { summary }));
        }
      },
      advanceTo: () => {},
      toJSON: () => state,
    };
  }
  let frozenMs = Date.parse(state.frozenTime);
  return {
    now: () => frozenMs,
    async waitUntil(atMs, wake) {
      const target = atMs;
      await condition(() => wake() || (target !== null && frozenMs >= target));
    },
    advanceTo(nextMs) {
      // A clock never goes back: a late, reordered advance is ignored.
      frozenMs = Math.max(frozenMs, nextMs);
    },
    toJSON: () => ({ kind: 'test', frozenTime: new Date(frozenMs).toISOString() }),
  };
}
