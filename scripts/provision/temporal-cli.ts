import { accessSync, constants, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';
import { cacheDir, downloadsAllowed, ensureDir, findOnPath, ProvisionError } from './cache';
import { run } from './run';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export interface ResolvedExecutable {
  executable: EphemeralServerExecutable;
  /** How it was found, for the start banner and logs. */
  source: 'env' | 'cache' | 'built' | 'download';
}

function assertExecutable(file: string, variable: string): void {
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new ProvisionError(
      `${variable} is set to "${file}", which is not an executable file. Fix or unset it.`,
    );
  }
}

/**
 * Temporal CLI (dev server with Web UI): TEMPORAL_CLI_PATH, else a cached build, else `go install`, else the SDK's
 * own download. Later CLI tags carry a `replace` directive that `go install` refuses, hence the pinned version.
 */
export async function ensureTemporalCli(log: (line: string) => void = () => {}): Promise<ResolvedExecutable> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    assertExecutable(fromEnv, 'TEMPORAL_CLI_PATH');
    return { executable: { type: 'existing-path', path: fromEnv }, source: 'env' };
  }
  const binDir = await ensureDir(path.join(cacheDir(), 'bin'));
  const cached = path.join(binDir, `temporal-${TEMPORAL_CLI_VERSION}`);
  if (existsSync(cached)) return { executable: { type: 'existing-path', path: cached }, source: 'cache' };

  const go = findOnPath('go');
  if (go) {
    log(`Building Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only, a few minutes)...`);
    const gobin = path.join(cacheDir(), `go-bin-${process.pid}`);
    await rm(gobin, { recursive: true, force: true });
    await run(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: gobin, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
    });
    // Rename is atomic, so a concurrent provisioner sees either nothing or a complete binary.
    await rename(path.join(gobin, 'temporal'), cached);
    await rm(gobin, { recursive: true, force: true });
    return { executable: { type: 'existing-path', path: cached }, source: 'built' };
  }
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
