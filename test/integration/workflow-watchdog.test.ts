import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { workerWithWatchdog } from '../../src/temporal/engine-worker';
import { DEFAULT_WORKFLOW_WATCHDOG_MS } from '../../src/temporal/worker-tuning';
import { spinRounds } from '../fixtures/workflows/spinning';
import { bundleWorkflows, startDevServerEnv } from '../support/temporal';

/**
 * Rounds of `spinRounds` that take at least `ms`, from the fastest of a few samples: on a loaded machine the samples
 * are slower than the machine, which would make the spin too short to prove anything.
 */
function roundsLasting(ms: number): number {
  const sample = 1_000_000;
  let fastestMs = Infinity;
  for (let i = 0; i < 5; i++) {
    const began = process.hrtime.bigint();
    spinRounds(sample);
    fastestMs = Math.min(fastestMs, Number(process.hrtime.bigint() - began) / 1e6);
  }
  return Math.ceil((sample * ms) / Math.max(fastestMs, 0.1));
}

/** The workflow's result, or the message of its first failed workflow task, whichever comes first. */
async function outcome(handle: WorkflowHandle): Promise<{ result?: unknown; taskFailure?: string }> {
  let decided = false;
  const result = handle.result().then((value: unknown) => ({ result: value }));
  const taskFailure = (async () => {
    while (!decided) {
      const history = await handle.fetchHistory();
      const failed = history.events?.find((event) => event.workflowTaskFailedEventAttributes);
      if (failed) return { taskFailure: failed.workflowTaskFailedEventAttributes?.failure?.message ?? '' };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {};
  })();
  try {
    return await Promise.race([result, taskFailure]);
  } finally {
    decided = true;
    await handle.terminate('the test has its outcome').catch(() => undefined);
    // The loser settles after the race: the result rejects once the workflow is terminated, the poll stops.
    await Promise.allSettled([result, taskFailure]);
  }
}

describe('the workflow watchdog (WORKER_WORKFLOW_WATCHDOG_MS)', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundle;

  beforeAll(async () => {
    env = await startDevServerEnv();
    bundle = await bundleWorkflows(require.resolve('../fixtures/workflows/spinning'));
  });

  afterAll(async () => {
    await env?.teardown();
  });

  async function runWithWatchdog(watchdogMs: number, workflowType: string, args: unknown[]) {
    const taskQueue = `watchdog-${watchdogMs}-${process.hrtime.bigint()}`;
    const { WorkerClass, options } = workerWithWatchdog(watchdogMs);
    const worker = await WorkerClass.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      ...options,
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(workflowType, {
        taskQueue,
        workflowId: taskQueue,
        args,
        // The server's own limit on a task (10 s by default) must not end a long activation before the watchdog does.
        workflowTaskTimeout: '60s',
      });
      return outcome(handle);
    });
  }

  test('with a watchdog, a workflow stuck in a loop fails its workflow task instead of holding the worker', async () => {
    const seen = await runWithWatchdog(1_000, 'loopingWorkflow', []);
    expect(seen).toEqual({ taskFailure: 'Script execution timed out after 1000ms' });
  });

  test("without one (0), an activation longer than the SDK's default runs to its end and the workflow completes", async () => {
    const rounds = roundsLasting(DEFAULT_WORKFLOW_WATCHDOG_MS + 2_000);
    const seen = await runWithWatchdog(0, 'spinningWorkflow', [rounds]);
    expect(seen).toEqual({ result: spinRounds(rounds) });
  });
});
