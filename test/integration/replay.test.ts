import { Worker } from '@temporalio/worker';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { historiesDir, historyFromFile } from '../support/histories';
import { bundleWorkflows } from '../support/temporal';

/**
 * Every stored history of every supported workflow version must replay on the current workflow code: a change that
 * would break a running subscription fails here instead of in production (patch it with `patched()`).
 */
describe('replay of stored workflow histories', () => {
  test('every history in test/histories replays without a nondeterminism error', async () => {
    const files = readdirSync(historiesDir).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const histories = files.map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromFile(path.join(historiesDir, file)),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: await bundleWorkflows() },
      histories,
    )) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
