// Preloaded into worker processes by bench/stack.ts when BENCH_WORKER_MEMORY_DIR is set: every 5 s it appends the
// process's memory split (V8 heap, external and array buffers, RSS) to <dir>/memory-<pid>.jsonl, so an RSS figure can
// be read as JavaScript heap or native memory.
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
const { setInterval } = require('node:timers');
const { threadId } = require('node:worker_threads');

const dir = process.env.BENCH_WORKER_MEMORY_DIR;
if (dir) {
  const file = join(dir, `memory-${process.pid}.jsonl`);
  setInterval(() => {
    const usage = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), threadId, ...usage })}\n`);
  }, 5000).unref();
}
