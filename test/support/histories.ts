import { temporal } from '@temporalio/proto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const historiesDir = path.resolve(__dirname, '..', 'histories');

/** The workflow version whose histories the tests record now; earlier versions' files stay beside them. */
export const RECORDED_VERSION = 'v2';

/**
 * `PERENNIAL_RECORD_HISTORIES=1 npx jest ...` stores the histories that tests produce, named after the scenario and
 * the workflow version, for the replay test to run on every later change of workflow code.
 */
export async function recordHistoryIfAsked(
  name: string,
  history: temporal.api.history.v1.IHistory,
): Promise<void> {
  if (process.env.PERENNIAL_RECORD_HISTORIES !== '1') return;
  await mkdir(historiesDir, { recursive: true });
  await writeFile(
    path.join(historiesDir, `${name}.json`),
    JSON.stringify(temporal.api.history.v1.History.fromObject(history).toJSON()),
  );
}

/** Reads a stored history back; protobuf's own JSON form round-trips enums, 64-bit integers and payload bytes. */
export function historyFromFile(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(file, 'utf8')));
}

/** Stores every run of a continue-as-new chain (newest first), so commands handled in earlier runs are replayed too. */
export async function recordChainIfAsked(
  name: string,
  client: {
    workflow: {
      getHandle(
        workflowId: string,
        runId?: string,
      ): { fetchHistory(): Promise<temporal.api.history.v1.IHistory> };
    };
  },
  workflowId: string,
): Promise<void> {
  if (process.env.PERENNIAL_RECORD_HISTORIES !== '1') return;
  let runId: string | undefined;
  for (let index = 0; index < 50; index++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    await recordHistoryIfAsked(`${name}-${RECORDED_VERSION}-run${index}`, history);
    runId =
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return;
  }
}
