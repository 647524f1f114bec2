import { type ChildProcess, fork } from 'node:child_process';

/**
 * Several worker processes on one task queue: each is `src/worker.ts` with the same configuration, so a machine's
 * cores all run activities and workflow tasks (one Node process runs its activities on one thread). Temporal hands
 * each task to whichever process polls first; the outbox relays share the outbox by row leases.
 */
export interface WorkerProcesses {
  readonly children: ChildProcess[];
  pids(): number[];
  /** SIGTERM to each (a graceful drain), then waits for all of them to exit. */
  stop(): Promise<void>;
}

const workerEntry = (): string => require.resolve('./worker');

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Node flags of a forked worker: the parent's, with the old-space limit from WORKER_HEAP_MB when set. Without it
 * V8 lets a worker's heap grow to about three times its live set between full collections (bench/README.md, "Sleeping
 * subscriptions"), so its RSS follows the work done, not the configuration.
 */
export function workerExecArgv(
  env: NodeJS.ProcessEnv,
  parent: readonly string[] = process.execArgv,
): string[] {
  // As the configuration reads it (a number, so " 512" and "1e3" too), written as V8's flag wants it.
  const heapMb = Number(env.WORKER_HEAP_MB);
  if (!env.WORKER_HEAP_MB || !Number.isInteger(heapMb)) return [...parent];
  return [
    ...parent.filter((flag) => !flag.startsWith('--max-old-space-size')),
    `--max-old-space-size=${heapMb}`,
  ];
}

/**
 * Forks `count` worker processes with `env` (WORKER_PROCESSES=1 each, so none forks again). Each runs in a process
 * group of its own: a Ctrl-C in the terminal reaches the parent alone, which then stops them once, in order.
 */
export function forkWorkerProcesses(
  count: number,
  options: {
    env: NodeJS.ProcessEnv;
    /** Node flags beyond the parent's and WORKER_HEAP_MB's (the benchmarks' CPU profiles). */
    nodeFlags?: string[];
    /** `inherit` shows their logs; `pipe` lets the caller read them (child.stdout). */
    stdio?: 'inherit' | 'pipe';
    onExit?: (child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) => void;
  },
): WorkerProcesses {
  const children = Array.from({ length: count }, (_, index) => {
    const child = fork(workerEntry(), [], {
      env: { ...options.env, WORKER_PROCESSES: '1', PERENNIAL_WORKER_INDEX: String(index + 1) },
      execArgv: [...workerExecArgv(options.env), ...(options.nodeFlags ?? [])],
      stdio:
        options.stdio === 'pipe'
          ? ['ignore', 'pipe', 'pipe', 'ipc']
          : ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: true,
    });
    child.once('exit', (code, signal) => options.onExit?.(child, code, signal));
    return child;
  });
  let stopping: Promise<void> | null = null;
  return {
    children,
    pids: () => children.map((child) => child.pid).filter((pid): pid is number => typeof pid === 'number'),
    stop() {
      stopping ??= Promise.all(
        children.map(async (child) => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited(child);
        }),
      ).then(() => {});
      return stopping;
    },
  };
}

/**
 * In a forked worker: when the parent is gone (its IPC channel closes, even after a SIGKILL), drain and exit like on
 * SIGTERM instead of polling on as an orphan.
 */
export function followParent(): void {
  if (!process.send) return;
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel alone must not keep a drained worker alive.
  process.channel?.unref();
}

/**
 * `npm run worker` with WORKER_PROCESSES > 1 or a WORKER_HEAP_MB (a heap limit is a flag of a new process): forks
 * the workers and stays as their parent. SIGINT or SIGTERM stops them gracefully; a worker that exits on its own
 * stops the others and the parent exits with its code, so the process manager sees one failed service and restarts
 * it whole.
 */
export async function superviseWorkerProcesses(count: number): Promise<number> {
  let stopping = false;
  let failure: number | null = null;
  const group = forkWorkerProcesses(count, {
    env: process.env,
    onExit: (child, code, signal) => {
      if (stopping) return;
      failure = code ?? 1;
      console.error(`worker process ${child.pid} exited (${code ?? signal}); stopping the others`);
      stopping = true;
      void group.stop();
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      void group.stop();
    });
  }
  await Promise.all(group.children.map(exited));
  return failure ?? 0;
}
