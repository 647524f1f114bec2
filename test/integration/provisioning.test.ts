import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** Runs the provisioning script as a user would, with PATH holding nothing (no Go, Java or Maven). */
async function provisionWithout(what: string, extraEnv: Record<string, string> = {}) {
  const emptyDir = await mkdtemp(path.join(os.tmpdir(), 'perennial-empty-path-'));
  const env: NodeJS.ProcessEnv = {
    HOME: process.env.HOME,
    PATH: emptyDir,
    PERENNIAL_CACHE_DIR: await mkdtemp(path.join(os.tmpdir(), 'perennial-empty-cache-')),
    PERENNIAL_NO_DOWNLOAD: '1',
    ...extraEnv,
  };
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/provision.ts', what], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60000,
  });
}

describe('provisioning says clearly what to install or set when it cannot succeed', () => {
  test('no Temporal CLI, no Go and no download: names TEMPORAL_CLI_PATH, Go and the download switch', async () => {
    const result = await provisionWithout('temporal-cli');
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Cannot provision the Temporal CLI: set TEMPORAL_CLI_PATH to a temporal CLI binary, or install Go so that ' +
        '"go install github.com/temporalio/cli/cmd/temporal@v1.5.1" can build it, or allow the SDK download ' +
        '(unset PERENNIAL_NO_DOWNLOAD) on a machine with internet access.',
    );
  });

  test('no test server, no Java or Maven and no download: names TEMPORAL_TEST_SERVER_PATH, Java and Maven', async () => {
    const result = await provisionWithout('test-server');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Cannot provision the Temporal time-skipping test server');
    expect(result.stderr).toContain('set TEMPORAL_TEST_SERVER_PATH');
    expect(result.stderr).toContain('install Java 17+ and Maven');
  });

  test('a TEMPORAL_CLI_PATH that is not executable is reported as such', async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'perennial-not-exec-')), 'temporal');
    await writeFile(file, 'not a binary');
    await chmod(file, 0o644);
    const result = await provisionWithout('temporal-cli', { TEMPORAL_CLI_PATH: file });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `TEMPORAL_CLI_PATH is set to "${file}", which is not an executable file. Fix or unset it.`,
    );
  });

  test('embedded PostgreSQL that cannot start points at DATABASE_URL', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const result = await provisionWithout('postgres', {
        PATH: path.dirname(process.execPath),
        PG_PORT: String(port),
        PERENNIAL_STATE_DIR: await mkdtemp(path.join(os.tmpdir(), 'perennial-pg-blocked-')),
      });
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toMatch(
        /^Cannot start embedded PostgreSQL in .* on port \d+: .*Set DATABASE_URL to use an existing PostgreSQL server instead\.$/s,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
