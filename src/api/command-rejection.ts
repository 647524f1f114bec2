import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { CommandRejection } from '../workflows/lifecycle/messages';
import { AppError } from './errors';

/**
 * A workflow validator's refusal becomes 409 (wrong state, with the caller's code) or 422 (wrong argument),
 * carrying its reason; anything else is left for the error handler.
 */
export function fromCommandRejection(error: unknown, conflictCode: string): unknown {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    return error.cause.type === CommandRejection.invalidArgument
      ? new AppError('unprocessable', 'invalid_command', error.cause.message)
      : new AppError('conflict', conflictCode, error.cause.message);
  }
  return error;
}
