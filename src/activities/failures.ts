import { ApplicationFailure } from '@temporalio/activity';
import { DriverException } from '@mikro-orm/core';
import { isStoreError } from '../db/services/errors';
import { isDomainError } from '../domain/errors';
import { ActivityFailureType } from './lifecycle.contract';

/**
 * SQLSTATEs that mean "PostgreSQL refuses this data", never "PostgreSQL is away": data exceptions (22), integrity
 * violations (23), and the protocol violation a NUL byte in a parameter causes (08P01), which would otherwise pass
 * for a connection problem and be retried for ever.
 */
function isRefusedData(error: unknown): string | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    const fromServer = current instanceof DriverException || current.constructor.name === 'DatabaseError';
    if (fromServer && typeof code === 'string' && (/^2[23]/.test(code) || code === '08P01')) return code;
    current = current.cause;
  }
  return null;
}

/**
 * What an activity throws when no retry can help: a domain rule or a store rule refused the input, or the database
 * refused the data. The failure carries a code and a message free of SQL and customer text (the workflow shows it
 * to operators), and is non-retryable, so the workflow handles it instead of retrying for ever. Everything else
 * (outages, timeouts) is rethrown unchanged for the activity's retry policy.
 */
export function asActivityFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (isDomainError(error)) {
    return ApplicationFailure.nonRetryable(
      `${error.code}: ${error.message}`,
      ActivityFailureType.billingData,
    );
  }
  if (isStoreError(error)) {
    return ApplicationFailure.nonRetryable(
      `${error.code}: ${error.message}`,
      ActivityFailureType.billingData,
    );
  }
  const sqlState = isRefusedData(error);
  if (sqlState) {
    return ApplicationFailure.nonRetryable(
      `the database refused the data (SQLSTATE ${sqlState})`,
      ActivityFailureType.billingData,
    );
  }
  return error;
}

/** Runs an activity body and classifies what it throws. */
export async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asActivityFailure(error);
  }
}
