import { mkdtemp } from 'node:fs/promises';
import { chromiumLaunchOptions } from './browser';
import os from 'node:os';
import path from 'node:path';
import { ensurePostgres, type PostgresHandle } from '../../scripts/provision/postgres';
import { ensureStripeMock } from '../../scripts/provision/stripe-mock';
import { ensureTemporalCli } from '../../scripts/provision/temporal-cli';
import { ensureTemporalServer, ensureTemporalUiServer } from '../../scripts/provision/temporal-server';
import { ensureTestServer } from '../../scripts/provision/test-server';

declare global {
  var __PERENNIAL_POSTGRES__: PostgresHandle | undefined;
}

const log = (line: string) => process.stderr.write(`[global-setup] ${line}\n`);

/**
 * Only the Stripe adapter's tests need stripe-mock, so a failure to provision it is handed to them as a message
 * (they fail with it) instead of failing every other integration test in the run.
 */
async function provisionStripeMock(): Promise<void> {
  try {
    process.env.PERENNIAL_TEST_STRIPE_MOCK = (await ensureStripeMock(log)).path;
  } catch (error) {
    process.env.PERENNIAL_TEST_STRIPE_MOCK_ERROR = error instanceof Error ? error.message : String(error);
  }
}

/**
 * Only the tests of the Temporal server backend need the server, its schema tool and the Web UI server: a failure to
 * build them (no Go) reaches those tests as their message, as for stripe-mock. Built once, then cached.
 */
async function provisionTemporalServer(): Promise<void> {
  try {
    const binaries = await ensureTemporalServer(log);
    const ui = await ensureTemporalUiServer(log);
    process.env.PERENNIAL_TEST_TEMPORAL_SERVER = JSON.stringify({
      ...binaries,
      uiServer: ui.path,
      uiError: ui.path === null ? ui.reason : null,
    });
  } catch (error) {
    process.env.PERENNIAL_TEST_TEMPORAL_SERVER_ERROR = error instanceof Error ? error.message : String(error);
  }
}

/**
 * Provisions the real services once per test run. Test files inherit what is found here through environment
 * variables: the Temporal binaries' paths and an administrative PostgreSQL URL from which each file creates its own
 * database.
 */
export default async function globalSetup(): Promise<void> {
  const stripeMock = provisionStripeMock();
  // The browser tests' Chromium is inflated here once, so that parallel test files never race to write it.
  const browser = Promise.resolve().then(chromiumLaunchOptions);
  const temporalServer = provisionTemporalServer();
  const [cli, testServer] = await Promise.all([ensureTemporalCli(log), ensureTestServer(log)]);
  process.env.PERENNIAL_TEST_TEMPORAL_CLI = JSON.stringify(cli.executable);
  process.env.PERENNIAL_TEST_TIME_SKIPPING_SERVER = JSON.stringify(testServer.executable);

  const postgres = await ensurePostgres({
    dataDir: path.join(await mkdtemp(path.join(os.tmpdir(), 'perennial-test-pg-')), 'data'),
    database: 'perennial_test',
  });
  globalThis.__PERENNIAL_POSTGRES__ = postgres;
  process.env.PERENNIAL_TEST_ADMIN_DATABASE_URL = postgres.url;
  await Promise.all([stripeMock, browser, temporalServer]);
}
