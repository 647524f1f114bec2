import type { OperatorView } from '../../activities/lifecycle.contract';
import type { ClockState } from './clock';
import { STATE_SCHEMA_VERSION, type SubscriptionState } from './state';

/** What each run of the lifecycle workflow starts from; version 1 runs started before it carry no `schemaVersion`. */
export interface LifecycleInput {
  schemaVersion: typeof STATE_SCHEMA_VERSION;
  state: SubscriptionState;
  clock: ClockState;
  /** False on the very first run: the subscription's opening (first invoice or trial) is still to happen. */
  opened: boolean;
  /** Events appended by earlier runs, so event keys stay unique across continue-as-new. */
  eventSeq: number;
  /** Set when a version 1 run hands over: its item's amount and name are read from the catalogue first. */
  repriceItems?: boolean;
  /** How the previous run last described the subscription to operators: shown until this run commits. */
  view?: OperatorView;
}

export function isCurrentInput(input: unknown): input is LifecycleInput {
  return (
    typeof input === 'object' &&
    input !== null &&
    (input as { schemaVersion?: unknown }).schemaVersion === STATE_SCHEMA_VERSION
  );
}
