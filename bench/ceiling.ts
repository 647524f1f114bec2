import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePostgres } from '../scripts/provision/postgres';
import { type CeilingShape, ceilingShapes, wakeSignal } from './ceiling/workflows';
import {
  cpuMsByPart,
  cpuMsPerUnit,
  engineDescription,
  engineFlags,
  engineOptions,
  type EngineOptions,
  inBatches,
  machine,
  perSecond,
  startEngineTemporal,
  waitUntil,
  writeResult,
} from './stack';

/**
 * The ceiling: what the engine itself can do on this machine, on the same backend and worker settings as Perennial,
 * with workflows that take Perennial's shape and do nothing (bench/ceiling/workflows.ts). N workflows wait as
 * subscriptions do; one signal each wakes them all at once, and each renewal is done when the next run waits. The start
 * phase (all N started and waiting) is timed too: for `perennialOpen`, whose first run bills and commits before it
 * waits, it is the ceiling of the storm's new subscriptions.
 *
 *   npm run bench:ceiling -- --n 1000 --backend server
 */
export interface CeilingRow {
  shape: CeilingShape;
  workflows: number;
  start_ms: number;
  /** Started and waiting, a second: for `perennialOpen`, with its opening's two activities done. */
  starts_per_second: number;
  renewals_ms: number;
  renewals_per_second: number;
  /** What the engine itself spends on a no-op start and renewal: the part of Perennial's CPU that is Temporal's. */
  cpu_ms_per_start: ReturnType<typeof cpuMsByPart>;
  cpu_ms_per_renewal: ReturnType<typeof cpuMsByPart>;
  history_events_per_run: number;
  history_bytes_per_run: number;
}

interface CeilingWorkers {
  /** Runs that reached their wait since the last reset, by renewal count. */
  waiting(renewals: number): number;
  pids(): number[];
  reset(): void;
  stop(): Promise<void>;
}

async function startCeilingWorkers(
  options: EngineOptions,
  address: string,
  taskQueue: string,
): Promise<CeilingWorkers> {
  const counts = new Map<number, number>();
  const children: ChildProcess[] = Array.from({ length: options.workerProcesses }, () =>
    fork(path.join(__dirname, 'ceiling', 'worker.ts'), [], {
      env: {
        PATH: process.env.PATH,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        ...(options.cacheMb === null ? {} : { WORKER_CACHE_MB: String(options.cacheMb) }),
        WORKER_STICKY_TIMEOUT_MS: String(options.stickyTimeoutMs),
        WORKER_WORKFLOW_WATCHDOG_MS: String(options.workflowWatchdogMs),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve, reject) => {
          child.on('message', (message: { ready?: boolean; waiting?: Record<string, number> }) => {
            if (message.ready) resolve();
            for (const [renewals, count] of Object.entries(message.waiting ?? {}))
              counts.set(Number(renewals), (counts.get(Number(renewals)) ?? 0) + count);
          });
          child.once('exit', (code) => reject(new Error(`a ceiling worker exited (${code})`)));
        }),
    ),
  );
  return {
    waiting: (renewals) => counts.get(renewals) ?? 0,
    pids: () => children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
    reset: () => counts.clear(),
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.disconnect();
            }),
        ),
      );
    },
  };
}

/** Each shape in turn on `client`'s Temporal, with worker processes of the engine's settings. */
export async function measureCeiling(
  client: Client,
  address: string,
  options: EngineOptions & {
    n: number;
    shapes: readonly CeilingShape[];
    payloadBytes: number;
    /** The Temporal server's processes, whose CPU each shape's rows include. */
    temporalPids: () => number[];
  },
): Promise<CeilingRow[]> {
  const taskQueue = `ceiling-${randomBytes(4).toString('hex')}`;
  const workers = await startCeilingWorkers(options, address, taskQueue);
  const state = 'x'.repeat(options.payloadBytes);
  const cpu = () => cpuMsByPart({ workers, temporalPids: options.temporalPids });
  const rows: CeilingRow[] = [];
  try {
    for (const shape of options.shapes) {
      workers.reset();
      const ids = Array.from({ length: options.n }, (_, i) => `${taskQueue}-${shape}-${i}`);
      const began = Date.now();
      const cpuBeforeStarts = cpu();
      let firstRunId = '';
      await inBatches(ids, 50, async (workflowId) => {
        const handle = await client.workflow.start(shape, {
          taskQueue,
          workflowId,
          args: [{ renewals: 0, state }],
        });
        if (workflowId === ids[0]) firstRunId = handle.firstExecutionRunId;
      });
      await waitUntil(async () => workers.waiting(0) >= ids.length, `${shape}: every workflow waiting`);
      const startMs = Date.now() - began;
      const cpuPerStart = cpuMsPerUnit(cpuBeforeStarts, cpu(), ids.length);
      const cpuBeforeRenewals = cpu();
      const woken = Date.now();
      await inBatches(ids, 100, (workflowId) => client.workflow.getHandle(workflowId).signal(wakeSignal));
      await waitUntil(async () => workers.waiting(1) >= ids.length, `${shape}: every renewal`);
      const renewalsMs = Date.now() - woken;
      const cpuPerRenewal = cpuMsPerUnit(cpuBeforeRenewals, cpu(), ids.length);
      const history = await client.workflow.getHandle(ids[0] ?? '', firstRunId).fetchHistory();
      rows.push({
        shape,
        workflows: ids.length,
        start_ms: startMs,
        starts_per_second: perSecond(ids.length, startMs),
        renewals_ms: renewalsMs,
        renewals_per_second: perSecond(ids.length, renewalsMs),
        cpu_ms_per_start: cpuPerStart,
        cpu_ms_per_renewal: cpuPerRenewal,
        history_events_per_run: history.events?.length ?? 0,
        history_bytes_per_run: temporal.api.history.v1.History.encode(history).finish().length,
      });
      console.log(
        `[ceiling] ${shape}: ${rows.at(-1)?.renewals_per_second} renewals/s, ${rows.at(-1)?.history_events_per_run} events per run`,
      );
    }
  } finally {
    await workers.stop();
  }
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '500' },
      shapes: { type: 'string', default: ceilingShapes.join(',') },
      'payload-bytes': { type: 'string', default: '4000' },
      ...engineFlags,
    },
  });
  const options = engineOptions(values);
  const shapes = values.shapes.split(',') as CeilingShape[];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perennial-bench-ceiling-'));
  const postgres = await ensurePostgres({ dataDir: path.join(dir, 'pg'), database: 'bench' });
  const engine = await startEngineTemporal(options.backend, dir, postgres.url);
  try {
    const rows = await measureCeiling(engine.client, engine.address, {
      ...options,
      n: Number(values.n),
      shapes,
      payloadBytes: Number(values['payload-bytes']),
      temporalPids: engine.pids,
    });
    console.table(rows);
    await writeResult(`ceiling-${options.backend}-${values.n}.json`, {
      benchmark: 'ceiling',
      ...machine(),
      ...engineDescription(options),
      payload_bytes: Number(values['payload-bytes']),
      shapes: rows,
    });
  } finally {
    await engine.close();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
