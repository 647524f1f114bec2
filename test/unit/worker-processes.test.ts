import { workerExecArgv } from '../../src/worker-processes';

describe('the Node flags of a forked worker process', () => {
  test("are the parent's when WORKER_HEAP_MB is unset or empty", () => {
    expect(workerExecArgv({}, ['--enable-source-maps'])).toEqual(['--enable-source-maps']);
    expect(workerExecArgv({ WORKER_HEAP_MB: '' }, ['--enable-source-maps'])).toEqual([
      '--enable-source-maps',
    ]);
  });

  test('write WORKER_HEAP_MB as the number the configuration reads', () => {
    expect(workerExecArgv({ WORKER_HEAP_MB: ' 512' }, [])).toEqual(['--max-old-space-size=512']);
    expect(workerExecArgv({ WORKER_HEAP_MB: '1e3' }, [])).toEqual(['--max-old-space-size=1000']);
  });

  test("carry WORKER_HEAP_MB as the old-space limit, in place of the parent's own", () => {
    expect(
      workerExecArgv({ WORKER_HEAP_MB: '256' }, ['--max-old-space-size=4096', '--enable-source-maps']),
    ).toEqual(['--enable-source-maps', '--max-old-space-size=256']);
  });
});
