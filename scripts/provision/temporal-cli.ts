import path from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';
import { cacheDir, downloadsAllowed, ensureDir, ProvisionError } from './cache';
import { ensureGoBinary } from './go-binary';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/**
 * SQLite settings for a dev server on a database file: write-ahead logging, and a sync at checkpoints instead of at
 * every commit. The server then waits on the disk far less (the renewal ceiling roughly doubles); the price is that a
 * power loss or an operating-system crash can lose the last transactions, while a crash of the process loses
 * nothing. Right for development, which is all the dev server is for.
 */
export const DEV_SERVER_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

export const devServerSqliteArgs = (): string[] =>
  DEV_SERVER_SQLITE_PRAGMAS.flatMap((pragma) => ['--sqlite-pragma', pragma]);

export interface ResolvedExecutable {
  executable: EphemeralServerExecutable;
  /** How it was found, for the start banner and logs. */
  source: 'env' | 'cache' | 'built' | 'download';
}

/**
 * Temporal CLI (dev server with Web UI): TEMPORAL_CLI_PATH, else a cached build, else `go install`, else the SDK's
 * own download. Later CLI tags carry a `replace` directive that `go install` refuses, hence the pinned version.
 */
export async function ensureTemporalCli(log: (line: string) => void = () => {}): Promise<ResolvedExecutable> {
  const found = await ensureGoBinary(
    {
      envVariable: 'TEMPORAL_CLI_PATH',
      goPackage: 'github.com/temporalio/cli/cmd/temporal',
      version: TEMPORAL_CLI_VERSION,
      binaryName: 'temporal',
      title: 'Temporal CLI',
    },
    log,
  );
  if (found.path !== null)
    return { executable: { type: 'existing-path', path: found.path }, source: found.source };
  if (downloadsAllowed()) {
    return {
      executable: {
        type: 'cached-download',
        downloadDir: await ensureDir(path.join(cacheDir(), 'sdk-download')),
      },
      source: 'download',
    };
  }
  throw new ProvisionError(
    'Cannot provision the Temporal CLI: set TEMPORAL_CLI_PATH to a temporal CLI binary, ' +
      `or install Go so that "go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}" can build it, ` +
      'or allow the SDK download (unset PERENNIAL_NO_DOWNLOAD) on a machine with internet access.',
  );
}
