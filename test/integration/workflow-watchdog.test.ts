import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { workerWithWatchdog } from '../../src/temporal/engine-worker';
import { DEFAULT_WORKFLOW_WATCHDOG_MS } from '../../src/temporal/worker-tuning';
import { spinRounds } from '../fixtures/workflows/spinning';
import { startDevServerEnv } from '../support/temporal';

/** Rounds of `spinRounds` that take about `ms` in this process (the sandbox runs them no faster). */
function roundsLasting(ms: number): number {
  const sample = 2_000_000;
  const began = process.hrtime.bigint();
  spinRounds(sample);
  const tookMs = Number(process.hrtime.bigint() - began) / 1e6;
  return Math.ceil((sample * ms) / Math.max(tookMs, 1));
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
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../fixtures/workflows/spinning'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  async function spinWithWatchdog(watchdogMs: number, rounds: number) {
    const taskQueue = `watchdog-${watchdogMs}-${process.hrtime.bigint()}`;
    const { WorkerClass, options } = workerWithWatchdog(watchdogMs);
    const worker = await WorkerClass.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      ...options,
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start('spinningWorkflow', {
        taskQueue,
        workflowId: taskQueue,
        args: [rounds],
        // The server's own limit on a task (10 s by default) must not end a long activation before the watchdog does.
        workflowTaskTimeout: '60s',
      });
      return outcome(handle);
    });
  }

  test('with a watchdog, an activation that outruns it fails its workflow task instead of holding the worker', async () => {
    const seen = await spinWithWatchdog(1_000, roundsLasting(3_000));
    expect(seen).toEqual({ taskFailure: 'Script execution timed out after 1000ms' });
  });

  test("without one (0), an activation longer than the SDK's default runs to its end and the workflow completes", async () => {
    const rounds = roundsLasting(DEFAULT_WORKFLOW_WATCHDOG_MS + 2_000);
    const seen = await spinWithWatchdog(0, rounds);
    expect(seen).toEqual({ result: spinRounds(rounds) });
  });
});
