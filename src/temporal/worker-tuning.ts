/**
 * Memory one cached workflow holds in a worker process: its V8 state, the activation in flight and the SDK's
 * bookkeeping. Measured with bench/sleeping.ts (bench/README.md, "Worker tuning"): the growth of a worker process's
 * RSS while every sleeping subscription stayed cached, divided by their number.
 */
export const CACHED_WORKFLOW_MB = 0.5;

/**
 * How long a workflow task waits on its worker's sticky queue before the server hands it to any worker. The SDK's
 * 10 s is shorter than a burst of renewals keeps a busy worker's queue: its tasks then timed out there and waited at
 * the back of the shared queue, behind the whole burst (656 s in a storm of 10,000; bench/README.md, "A storm of
 * 10,000"). A worker that stops cleanly hands its sticky tasks back at once, and the server stops routing new tasks to
 * a sticky queue nobody has polled for 10 s; only the tasks already queued for a worker that died wait up to this long.
 */
export const DEFAULT_STICKY_QUEUE_TIMEOUT_MS = 60_000;

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
