/**
 * Memory one cached workflow holds in a worker process: its V8 state, the activation in flight and the SDK's
 * bookkeeping. Measured with bench/sleeping.ts (bench/README.md, "Worker tuning"): the growth of a worker process's
 * RSS while every sleeping subscription stayed cached, divided by their number.
 */
export const CACHED_WORKFLOW_MB = 0.5;

/**
 * How long a workflow task waits on its worker's sticky queue before the server hands it to any worker. A task that
 * times out there costs more than its wait: the server turns stickiness off for the run and sends its next task, with
 * the whole history, to the shared queue, where it waits behind the burst and is replayed by whichever worker takes
 * it. In a storm of 10,000 renewals on two cores each worker's queue held up to 400 s of work; with 60 s half the
 * renewal runs timed out and a renewal cost 174 ms of CPU at 12.4/s, with 600 s one run in 200 did and the storm paid
 * 25.8 renewals/s (bench/README.md, "A storm of 10,000 with a sticky timeout of 600 s"). The price: the tasks already
 * queued for a worker that died wait this long before another worker takes them (a worker that stops cleanly hands
 * them back at once, and the server routes no new task to a sticky queue nobody has polled for 10 s).
 */
export const DEFAULT_STICKY_QUEUE_TIMEOUT_MS = 600_000;

/** A burst whose queues run longer than an hour needs more workers, not a longer wait. */
export const MAX_STICKY_QUEUE_TIMEOUT_MS = 3_600_000;

export interface WorkflowCacheTuning {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions?: number;
}

/**
 * The workflow cache that fits a memory budget. 0 turns the cache off: every workflow task then replays its run's
 * history, which a renewal run keeps short. A worker evicts the least recently used workflow beyond the limit and
 * replays it on its next task, so the budget bounds memory, not the number of subscriptions.
 */
export function workflowCacheFor(budgetMb: number): WorkflowCacheTuning {
  if (budgetMb <= 0) return { maxCachedWorkflows: 0 };
  const maxCachedWorkflows = Math.max(2, Math.floor(budgetMb / CACHED_WORKFLOW_MB));
  // The SDK runs at most as many workflow tasks at once as it can cache (its default is 40).
  return maxCachedWorkflows < 40
    ? { maxCachedWorkflows, maxConcurrentWorkflowTaskExecutions: maxCachedWorkflows }
    : { maxCachedWorkflows };
}

/**
 * How long one entry into the workflow sandbox may run before it is aborted and its workflow task fails (the SDK's
 * `isolateExecutionTimeout`, 5 s by default). It guards the worker against a workflow stuck in a loop: without it,
 * such a loop holds the worker's one workflow thread, and with it every subscription the worker runs. Its price:
 * Node's `vm` starts and joins a watchdog thread for every entry, three or more per workflow activation: about 6 ms of
 * the workers' CPU per renewal, a tenth, in storms of 1,000 on two cores (bench/README.md, "Where a start's CPU goes,
 * and the workflow watchdog"). 0 turns it off; the default keeps the guard.
 */
export const DEFAULT_WORKFLOW_WATCHDOG_MS = 5_000;
export const MAX_WORKFLOW_WATCHDOG_MS = 60_000;
