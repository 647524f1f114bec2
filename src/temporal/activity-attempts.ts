import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * An attempt that used this share of its start-to-close timeout or more is logged as a warning when it ends: an
 * attempt that runs out of it is retried by the server with nothing in the worker's log, and the warnings of the
 * attempts that came close show whether the time went to the activity's own work or to the queue before it.
 */
export const SLOW_ATTEMPT_SHARE = 0.5;

export interface SlowAttempt {
  activityType: string;
  attempt: number;
  local: boolean;
  /** From the attempt's scheduling to the moment this worker began it. */
  queuedMs: number;
  /** From the moment this worker began it to its end, whatever the outcome. */
  ranMs: number;
  startToCloseTimeoutMs: number;
}

/** The attempt, when it was slow enough to log; pure, so the threshold is testable without a worker. */
export function slowAttempt(
  info: Pick<
    Context['info'],
    'activityType' | 'attempt' | 'isLocal' | 'currentAttemptScheduledTimestampMs' | 'startToCloseTimeoutMs'
  >,
  startedAtMs: number,
  endedAtMs: number,
): SlowAttempt | null {
  const ranMs = endedAtMs - startedAtMs;
  if (!(info.startToCloseTimeoutMs > 0) || ranMs < info.startToCloseTimeoutMs * SLOW_ATTEMPT_SHARE)
    return null;
  return {
    activityType: info.activityType,
    attempt: info.attempt,
    local: info.isLocal,
    queuedMs: Math.max(0, startedAtMs - info.currentAttemptScheduledTimestampMs),
    ranMs,
    startToCloseTimeoutMs: info.startToCloseTimeoutMs,
  };
}

/**
 * How often a running attempt with a heartbeat timeout tells the SDK it is alive: four times within the timeout. The
 * SDK sends the first beat at once and then at most one per 80 % of the timeout, so the server hears one every 16 s
 * of a 20 s timeout; beating more often than that only makes sure a beat is waiting whenever the SDK may send. An
 * attempt that ends before its first beat sends none.
 */
export function heartbeatEveryMs(heartbeatTimeoutMs: number | undefined): number | null {
  return heartbeatTimeoutMs && heartbeatTimeoutMs > 0
    ? Math.max(50, Math.floor(heartbeatTimeoutMs / 4))
    : null;
}

/**
 * Every activity attempt of the worker: heartbeats while it runs when its options give it a heartbeat timeout, and
 * a warning when it ends having used half its start-to-close timeout or more.
 *
 * The heartbeat is what makes a lost attempt visible early. Under load the server can record an attempt as started
 * while the poll that carried it fails (the dev server's "context canceled"), and no worker ever runs it; without a
 * heartbeat timeout the attempt is retried only when its start-to-close timeout ends (a minute for a charge), and
 * likewise when the worker running it dies. The activities themselves stay free of heartbeat calls.
 */
export const activityAttempts: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const startedAtMs = Date.now();
      const every = ctx.info.isLocal ? null : heartbeatEveryMs(ctx.info.heartbeatTimeoutMs);
      const beat = every === null ? null : setInterval(() => ctx.heartbeat(), every);
      try {
        return await next(input);
      } finally {
        if (beat) clearInterval(beat);
        const slow = slowAttempt(ctx.info, startedAtMs, Date.now());
        if (slow) ctx.log.warn('slow activity attempt', { ...slow });
      }
    },
  },
});
