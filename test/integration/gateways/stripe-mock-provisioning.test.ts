import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

describe('stripe-mock provisioning', () => {
  test('without STRIPE_MOCK_PATH, a cached build or Go, it names the variable and the go install command', async () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/provision.ts', 'stripe-mock'], {
      cwd: root,
      env: {
        HOME: process.env.HOME,
        PATH: await mkdtemp(path.join(os.tmpdir(), 'perennial-empty-path-')),
        PERENNIAL_CACHE_DIR: await mkdtemp(path.join(os.tmpdir(), 'perennial-empty-cache-')),
      },
      encoding: 'utf8',
      timeout: 60000,
    });

    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Cannot provision stripe-mock: set STRIPE_MOCK_PATH to a stripe-mock binary, or install Go so that ' +
        '"go install github.com/stripe/stripe-mock@v0.203.0" can build it.',
    );
  });
});
