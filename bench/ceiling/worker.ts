import { DefaultLogger, type InjectedSinks, NativeConnection, Runtime } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { workerWithWatchdog } from '../../src/temporal/engine-worker';
import {
  DEFAULT_STICKY_QUEUE_TIMEOUT_MS,
  DEFAULT_WORKFLOW_WATCHDOG_MS,
  workflowCacheFor,
} from '../../src/temporal/worker-tuning';
import type { CeilingSinks } from './workflows';

/**
 * One worker process of the ceiling benchmark, forked by bench/ceiling.ts with the engine's worker settings. It
 * reports to its parent, every 100 ms, how many runs reached their wait, by renewal count.
 */
async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const address = process.env.TEMPORAL_ADDRESS ?? '';
  const cacheMb = process.env.WORKER_CACHE_MB;
  const stickyTimeoutMs = process.env.WORKER_STICKY_TIMEOUT_MS;
  // The engine's worker class and watchdog, so that the ceiling pays what Perennial's workers pay per activation.
  const watchdog = workerWithWatchdog(
    Number(process.env.WORKER_WORKFLOW_WATCHDOG_MS ?? DEFAULT_WORKFLOW_WATCHDOG_MS),
  );
  const counts = new Map<number, number>();
  const flush = () => {
    if (counts.size === 0) return;
    process.send?.({ waiting: Object.fromEntries(counts) });
    counts.clear();
  };
  setInterval(flush, 100).unref();
  const worker = await watchdog.WorkerClass.create({
    connection: await NativeConnection.connect({ address }),
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'ceiling',
    workflowsPath: require.resolve('./workflows'),
    activities: { noop: async (state: string) => state },
    sinks: {
      ceiling: {
        waiting: {
          fn: (_info: WorkflowInfo, renewals: number) => {
            counts.set(renewals, (counts.get(renewals) ?? 0) + 1);
          },
          callDuringReplay: false,
        },
      },
    } satisfies InjectedSinks<CeilingSinks>,
    ...(cacheMb ? workflowCacheFor(Number(cacheMb)) : {}),
    stickyQueueScheduleToStartTimeout: stickyTimeoutMs
      ? Number(stickyTimeoutMs)
      : DEFAULT_STICKY_QUEUE_TIMEOUT_MS,
    ...watchdog.options,
  });
  process.once('disconnect', () => worker.shutdown());
  const running = worker.run();
  process.send?.({ ready: true });
  await running;
  flush();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
