import { accessSync, constants, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, ensureDir, findOnPath, ProvisionError } from './cache';
import { run } from './run';

export function assertExecutable(file: string, variable: string): void {
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new ProvisionError(
      `${variable} is set to "${file}", which is not an executable file. Fix or unset it.`,
    );
  }
}

export interface GoBinarySpec {
  /** Environment variable that points at an existing binary and skips everything else. */
  envVariable: string;
  /** `go install` package path, e.g. `github.com/temporalio/cli/cmd/temporal`. */
  goPackage: string;
  version: string;
  /** Name `go install` gives the binary (the package path's last element). */
  binaryName: string;
  /** The cache file's prefix when the binary's own name says too little (`server`); default `binaryName`. */
  cacheName?: string;
  /** Human name for logs. */
  title: string;
}

export type GoBinaryResult =
  { path: string; source: 'env' | 'cache' | 'built' } | { path: null; source: 'no-go' };

/**
 * A Go tool pinned to one version: the variable if set, else the cached build, else `go install` into the cache.
 * `path: null` means Go is missing; the caller decides on a fallback or its own clear error.
 */
export async function ensureGoBinary(
  spec: GoBinarySpec,
  log: (line: string) => void,
): Promise<GoBinaryResult> {
  const fromEnv = process.env[spec.envVariable];
  if (fromEnv) {
    assertExecutable(fromEnv, spec.envVariable);
    return { path: fromEnv, source: 'env' };
  }
  const binDir = await ensureDir(path.join(cacheDir(), 'bin'));
  const cached = path.join(binDir, `${spec.cacheName ?? spec.binaryName}-${spec.version}`);
  if (existsSync(cached)) return { path: cached, source: 'cache' };

  const go = findOnPath('go');
  if (!go) return { path: null, source: 'no-go' };
  log(`Building ${spec.title} ${spec.version} with go install (first run only)...`);
  const gobin = path.join(cacheDir(), `go-bin-${spec.cacheName ?? spec.binaryName}-${process.pid}`);
  await rm(gobin, { recursive: true, force: true });
  await run(go, ['install', `${spec.goPackage}@${spec.version}`], {
    env: { ...process.env, GOBIN: gobin, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
  });
  // Rename is atomic, so a concurrent provisioner sees either nothing or a complete binary.
  await rename(path.join(gobin, spec.binaryName), cached);
  await rm(gobin, { recursive: true, force: true });
  return { path: cached, source: 'built' };
}
