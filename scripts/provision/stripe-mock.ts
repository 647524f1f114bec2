import { ProvisionError } from './cache';
import { ensureGoBinary } from './go-binary';

/** Pinned so that its fixtures, and therefore the Stripe adapter tests' expectations, never move underneath us. */
export const STRIPE_MOCK_VERSION = 'v0.203.0';

export interface ResolvedStripeMock {
  path: string;
  /** How it was found, for logs. */
  source: 'env' | 'cache' | 'built';
}

/**
 * Stripe's official API mock, for the Stripe adapter's tests: STRIPE_MOCK_PATH, else a cached build, else
 * `go install`. Unlike the Temporal binaries there is no download fallback: Stripe publishes no SDK-managed build.
 */
export async function ensureStripeMock(log: (line: string) => void = () => {}): Promise<ResolvedStripeMock> {
  const found = await ensureGoBinary(
    {
      envVariable: 'STRIPE_MOCK_PATH',
      goPackage: 'github.com/stripe/stripe-mock',
      version: STRIPE_MOCK_VERSION,
      binaryName: 'stripe-mock',
      title: 'stripe-mock',
    },
    log,
  );
  if (found.path !== null) return { path: found.path, source: found.source };
  throw new ProvisionError(
    'Cannot provision stripe-mock: set STRIPE_MOCK_PATH to a stripe-mock binary, ' +
      `or install Go so that "go install github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}" can build it.`,
  );
}
