import { Worker } from '@temporalio/worker';

/**
 * The SDK's worker with its workflow watchdog turned off (`WORKER_WORKFLOW_WATCHDOG_MS=0`). The SDK always passes a
 * timeout to `vm`, and any timeout costs a thread per entry; only an absent one costs nothing. Its protected
 * `createWorkflowCreator` is the hook the SDK leaves for subclasses.
 */
class WorkerWithoutWorkflowWatchdog extends Worker {
  protected static override createWorkflowCreator(
    ...[bundle, options, logger]: Parameters<(typeof Worker)['createWorkflowCreator']>
  ): ReturnType<(typeof Worker)['createWorkflowCreator']> {
    const { isolateExecutionTimeoutMs: _dropped, ...withoutTimeout } = options;
    // The SDK types the timeout as required; it reaches `vm` as `timeout: undefined`, which Node reads as none.
    return super.createWorkflowCreator(bundle, withoutTimeout as typeof options, logger);
  }
}

/** The worker class and options for a watchdog setting (`WORKER_WORKFLOW_WATCHDOG_MS`; 0 for none). */
export function workerWithWatchdog(watchdogMs: number): {
  WorkerClass: typeof Worker;
  options: { isolateExecutionTimeout?: number };
} {
  return watchdogMs > 0
    ? { WorkerClass: Worker, options: { isolateExecutionTimeout: watchdogMs } }
    : { WorkerClass: WorkerWithoutWorkflowWatchdog, options: {} };
}
