import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';
import { searchAttributeKeys } from '../../src/workflows/search-attributes';

function executableFrom(variable: string): EphemeralServerExecutable {
  const raw = process.env[variable];
  if (!raw) throw new Error(`${variable} is not set: integration tests run through global setup`);
  return JSON.parse(raw) as EphemeralServerExecutable;
}

/** The time-skipping server knows no custom search attributes until they are registered, as on a real cluster. */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: executableFrom('PERENNIAL_TEST_TIME_SKIPPING_SERVER') },
  });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

export function startDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: executableFrom('PERENNIAL_TEST_TEMPORAL_CLI'),
      searchAttributes: searchAttributeKeys,
      log: { format: 'pretty', level: 'error' },
    },
  });
}

/** The engine's workflows bundled, or another workflows module (a test's fixture) given its resolved path. */
export function bundleWorkflows(
  workflowsPath: string = require.resolve('../../src/workflows'),
): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: silentLogger });
}

const silentLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
