import {
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  proxyLocalActivities,
  proxySinks,
  setHandler,
  type Sinks,
} from '@temporalio/workflow';

/**
 * The ceiling's workflows: Perennial's shape with nothing inside. Each run waits as a subscription does (a timer
 * that a signal cuts short), does its activities, and continues as new; the next run's wait is the renewal done.
 */
export interface CeilingInput {
  renewals: number;
  /** Carried through every activity and the continue-as-new, to give the history Perennial's payload size. */
  state: string;
}

export interface CeilingSinks extends Sinks {
  ceiling: { waiting(renewals: number): void };
}

export const wakeSignal = defineSignal('wake');

interface NoopActivities {
  noop(state: string): Promise<string>;
}

const regular = proxyActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<NoopActivities>({ startToCloseTimeout: '1 minute' });
const { ceiling } = proxySinks<CeilingSinks>();

async function wake(input: CeilingInput): Promise<void> {
  let woken = false;
  setHandler(wakeSignal, () => {
    woken = true;
  });
  // A sink leaves no trace in the history: the worker counts the runs that reached their wait.
  ceiling.waiting(input.renewals);
  await condition(() => woken, '30 days');
}

const next = (input: CeilingInput, state: string): CeilingInput => ({ renewals: input.renewals + 1, state });

export async function regular7(input: CeilingInput): Promise<void> {
  await wake(input);
  let state = input.state;
  for (let i = 0; i < 7; i++) state = await regular.noop(state);
  await continueAsNew<typeof regular7>(next(input, state));
}

export async function local7(input: CeilingInput): Promise<void> {
  await wake(input);
  let state = input.state;
  for (let i = 0; i < 7; i++) state = await local.noop(state);
  await continueAsNew<typeof local7>(next(input, state));
}

export async function regular1(input: CeilingInput): Promise<void> {
  await wake(input);
  await continueAsNew<typeof regular1>(next(input, await regular.noop(input.state)));
}

/** Perennial's renewal: one activity bills the period, one local activity commits the transition. */
export async function perennial(input: CeilingInput): Promise<void> {
  await wake(input);
  const billed = await regular.noop(input.state);
  await continueAsNew<typeof perennial>(next(input, await local.noop(billed)));
}

/**
 * Perennial's whole life from its start: the opening bills the first period (one activity) and commits (one local
 * activity) before the first wait, as a new subscription does; its renewals then take the `perennial` shape. Its
 * start phase is the ceiling of the storm's new subscriptions.
 */
export async function perennialOpen(input: CeilingInput): Promise<void> {
  const opened = input.renewals === 0 ? await local.noop(await regular.noop(input.state)) : input.state;
  await wake(input);
  const billed = await regular.noop(opened);
  await continueAsNew<typeof perennialOpen>(next(input, await local.noop(billed)));
}

export const ceilingShapes = ['regular7', 'local7', 'regular1', 'perennial', 'perennialOpen'] as const;
export type CeilingShape = (typeof ceilingShapes)[number];
