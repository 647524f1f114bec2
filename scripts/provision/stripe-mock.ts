import { accessSync, constants, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, ensureDir, findOnPath, ProvisionError } from './cache';
import { run } from './run';

/** Pinned so that its fixtures, and therefore the Stripe adapter tests' expectations, never move underneath us. */
export const STRIPE_MOCK_VERSION = 'v0.203.0';

export interface ResolvedStripeMock {
  path: string;
  /** How it was found, for logs. */
  source: 'env' | 'cache' | 'built';
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
 * Stripe's official API mock, for the Stripe adapter's tests: STRIPE_MOCK_PATH, else a cached build, else
 * `go install`. Unlike the Temporal binaries there is no download fallback: Stripe publishes no SDK-managed build.
 */
export async function ensureStripeMock(log: (line: string) => void = () => {}): Promise<ResolvedStripeMock> {
  const fromEnv = process.env.STRIPE_MOCK_PATH;
  if (fromEnv) {
    assertExecutable(fromEnv, 'STRIPE_MOCK_PATH');
    return { path: fromEnv, source: 'env' };
  }
  const binDir = await ensureDir(path.join(cacheDir(), 'bin'));
  const cached = path.join(binDir, `stripe-mock-${STRIPE_MOCK_VERSION}`);
  if (existsSync(cached)) return { path: cached, source: 'cache' };

  const go = findOnPath('go');
  if (go) {
    log(`Building stripe-mock ${STRIPE_MOCK_VERSION} with go install (first run only)...`);
    const gobin = path.join(cacheDir(), `go-bin-stripe-mock-${process.pid}`);
    await rm(gobin, { recursive: true, force: true });
    await run(go, ['install', `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`], {
      env: { ...process.env, GOBIN: gobin, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' },
    });
    // Rename is atomic, so a concurrent provisioner sees either nothing or a complete binary.
    await rename(path.join(gobin, 'stripe-mock'), cached);
    await rm(gobin, { recursive: true, force: true });
    return { path: cached, source: 'built' };
  }
  throw new ProvisionError(
    'Cannot provision stripe-mock: set STRIPE_MOCK_PATH to a stripe-mock binary, ' +
      `or install Go so that "go install github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}" can build it.`,
  );
}
