import { temporal } from '@temporalio/proto';
import { parseArgs } from 'node:util';
import { Invoice } from '../src/db/entities';
import { lifecycleWorkflowIdFor, testClockAdvancedSignal } from '../src/workflows/lifecycle/messages';
import {
  emailsOfPhase,
  rowsOnlyBaseline,
  rowsPerSubscription,
  sameWorkBaseline,
  settledCounters,
  type WriteProfile,
  writeProfile,
} from './baselines';
import { type CeilingRow, measureCeiling } from './ceiling';
import { eventMs, eventName } from './command-timeline';
import { type CeilingShape, ceilingShapes } from './ceiling/workflows';
import {
  type BenchStack,
  engineDescription,
  engineFlags,
  engineOptions,
  inBatches,
  machine,
  mb,
  percentile,
  perSecond,
  phaseTimeoutMs,
  ratio,
  seedCustomers,
  seedSellerAndPlan,
  cpuBoundPerSecond,
  cpuMsByPart,
  cpuMsPerUnit,
  resetStatementCounts,
  startBenchStack,
  startSubscriptions,
  waitUntil,
  writeStatementCounts,
  writeResult,
} from './stack';

/**
 * Renewal storm: N monthly subscriptions on one test clock, all renewing at the same instant when the clock moves.
 * Measured in one run on one backend: the first invoices (new subscriptions) and the renewals, each against a
 * rows-only and a same-work baseline (bench/baselines.ts), and the ceiling (bench/ceiling.ts) of the same engine.
 *
 *   npm run bench:renewal-storm -- --n 10000 --backend server
 */
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '25' },
    ceiling: { type: 'string', default: ceilingShapes.join(',') },
    'ceiling-n': { type: 'string', default: '' },
    // `no`: leave out the same-work baseline (a sequential loop: about an hour at 10,000 subscriptions).
    'same-work': { type: 'string', default: 'yes' },
    ...engineFlags,
  },
});
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const CEILING_SHAPES = values.ceiling === 'none' ? [] : (values.ceiling.split(',') as CeilingShape[]);
const CEILING_N = values['ceiling-n'] ? Number(values['ceiling-n']) : N;
if (values['same-work'] !== 'yes' && values['same-work'] !== 'no')
  throw new Error('--same-work must be yes or no');
const SAME_WORK = values['same-work'] === 'yes';
const OPTIONS = engineOptions(values);
const START = '2027-01-01T00:00:00.000Z';
const RENEWAL = '2027-02-01T00:00:00.000Z';

/**
 * The system's monotonic clock in microseconds, the clock of V8's CPU profiles (`--cpu-prof`): with these marks a
 * worker's profile splits into the phases.
 */
function logMonotonic(mark: string): void {
  console.log(`[bench] ${mark} at monotonic ${process.hrtime.bigint() / 1000n} µs`);
}

function cpuMsOfThisProcess(since: NodeJS.CpuUsage, units: number): number {
  const used = process.cpuUsage(since);
  return Math.round(((used.user + used.system) / 1000 / units) * 10) / 10;
}

/** The run that did the renewal: the one the current run continued from. Its size, and its input (the state). */
async function renewalRun(stack: BenchStack, subscriptionId: string) {
  const workflowId = lifecycleWorkflowIdFor(subscriptionId);
  const current = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const started = current.events?.[0]?.workflowExecutionStartedEventAttributes;
  const previous = started?.continuedExecutionRunId;
  if (!previous) return null;
  const history = await stack.client.workflow.getHandle(workflowId, previous).fetchHistory();
  const workflowTaskTimeouts = (history.events ?? []).filter(
    (event) => event.workflowTaskTimedOutEventAttributes,
  ).length;
  // A regular activity's started event is written once, when it ends, with the attempt that ended it and the
  // failure of the attempt before: attempts beyond the first are its retries.
  const retried = (history.events ?? [])
    .map((event) => event.activityTaskStartedEventAttributes)
    .filter((started) => (started?.attempt ?? 1) > 1);
  return {
    events: history.events?.length ?? 0,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    stateBytes: temporal.api.common.v1.Payloads.encode(started?.input ?? {}).finish().length,
    workflowTaskTimeouts,
    activityRetries: retried.reduce((sum, started) => sum + (started?.attempt ?? 1) - 1, 0),
    retryCauses: retried.map((started) => (started?.lastFailure?.message ?? 'unknown').slice(0, 80)),
  };
}

/**
 * How many renewal runs had a workflow task time out (in a storm, on its worker's sticky queue: the server then
 * hands the run's next task, with its whole history, to any worker), and how many had an activity retried (with the
 * failures that made it retry), over `sample` subscriptions spread across the
 * storm's order.
 */
async function renewalRunTroubles(stack: BenchStack, ids: string[], sample: number) {
  const step = Math.max(1, Math.floor(ids.length / sample));
  const sampled = ids.filter((_, index) => index % step === 0).slice(0, sample);
  const runs: { workflowTaskTimeouts: number; activityRetries: number; retryCauses: string[] }[] = [];
  await inBatches(sampled, 10, async (id) => {
    const run = await renewalRun(stack, id);
    if (run) runs.push(run);
  });
  const causes = new Map<string, number>();
  for (const cause of runs.flatMap((run) => run.retryCauses)) causes.set(cause, (causes.get(cause) ?? 0) + 1);
  return {
    taskTimeouts: {
      runs_sampled: runs.length,
      runs_with_a_timeout: runs.filter((run) => run.workflowTaskTimeouts > 0).length,
      timeouts: runs.reduce((sum, run) => sum + run.workflowTaskTimeouts, 0),
    },
    activityRetries: {
      runs_sampled: runs.length,
      runs_with_a_retry: runs.filter((run) => run.activityRetries > 0).length,
      retries: runs.reduce((sum, run) => sum + run.activityRetries, 0),
      causes: Object.fromEntries(causes),
    },
  };
}

/** A timeout's kind as the server names it (TIMEOUT_TYPE_HEARTBEAT), from the number the history holds. */
function timeoutName(type: temporal.api.enums.v1.TimeoutType | null | undefined): string {
  return type === null || type === undefined
    ? 'unknown'
    : (temporal.api.enums.v1.TimeoutType[type] ?? String(type));
}

/** One history event of a straggler's renewal run, as seconds after the storm's signals went out. */
interface StragglerEvent {
  at_s: number;
  gap_s: number;
  type: string;
  attempt?: number;
  detail?: string;
}

/**
 * The renewal runs of the subscriptions charged last, with every wait of a second or more between two events: a
 * storm's rate is set by its tail, and the tail shows what it waited for (a task queue, a timeout, a retry).
 */
async function stragglers(stack: BenchStack, advancedAt: Date, count: number) {
  const last = await stack.orm.em.getConnection().execute<{ subscription_id: string; at: Date }[]>(
    `select i.subscription_id, a.created_at as at from payment_attempts a join invoices i on i.id = a.invoice_id
      where i.period_index = 1 and a.status = 'succeeded' order by a.created_at desc limit ?`,
    [count],
  );
  return Promise.all(
    last.map(async (row) => {
      const workflowId = lifecycleWorkflowIdFor(row.subscription_id);
      const current = await stack.client.workflow.getHandle(workflowId).fetchHistory();
      const previous = current.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
      const history = previous
        ? await stack.client.workflow.getHandle(workflowId, previous).fetchHistory()
        : current;
      const activityTypes = new Map<string, string>();
      for (const event of history.events ?? []) {
        const scheduled = event.activityTaskScheduledEventAttributes;
        if (scheduled?.activityType?.name)
          activityTypes.set(String(event.eventId), scheduled.activityType.name);
      }
      const events = (history.events ?? []).filter((event) => eventMs(event) >= advancedAt.getTime());
      const waits: StragglerEvent[] = [];
      events.forEach((event, index) => {
        const before = index > 0 ? events[index - 1] : undefined;
        const gapMs = before ? eventMs(event) - eventMs(before) : eventMs(event) - advancedAt.getTime();
        if (gapMs < 1000) return;
        const started = event.activityTaskStartedEventAttributes;
        // A retried activity records only its last attempt; the attempt before it is named in lastFailure.
        const failure =
          event.workflowTaskFailedEventAttributes?.failure?.message ??
          event.activityTaskFailedEventAttributes?.failure?.message ??
          event.activityTaskTimedOutEventAttributes?.failure?.message ??
          (started?.lastFailure
            ? `${activityTypes.get(String(started.scheduledEventId)) ?? 'activity'}, attempt before: ${
                started.lastFailure.message ?? ''
              } ${started.lastFailure.timeoutFailureInfo ? `(${timeoutName(started.lastFailure.timeoutFailureInfo.timeoutType)})` : ''}`
            : undefined);
        waits.push({
          at_s: (eventMs(event) - advancedAt.getTime()) / 1000,
          gap_s: gapMs / 1000,
          type: eventName(event),
          ...(event.activityTaskStartedEventAttributes?.attempt
            ? { attempt: event.activityTaskStartedEventAttributes.attempt }
            : {}),
          ...(event.workflowTaskStartedEventAttributes && before
            ? { detail: `after ${eventName(before)}` }
            : {}),
          ...(failure ? { detail: failure.slice(0, 160) } : {}),
        });
      });
      return {
        subscription_id: row.subscription_id,
        charged_s: (new Date(row.at).getTime() - advancedAt.getTime()) / 1000,
        events_after_signal: events.length,
        waits,
      };
    }),
  );
}

interface PhaseFigures {
  subscriptions: number;
  perennial_ms: number;
  per_second: number;
  rows_only_ms: number;
  same_work_ms: number | null;
  /**
   * The CPU the same-work loop costs a subscription: this process (the loop, and the SMTP catcher receiving its
   * emails) and PostgreSQL, to read beside the engine's CPU a unit. Null without the loop.
   */
  same_work_cpu_ms: { bench_process: number; postgres: number } | null;
  perennial_over_rows_only: number | null;
  perennial_over_same_work: number | null;
  rows_per_subscription: ReturnType<typeof rowsPerSubscription>;
}

async function baselines(
  stack: BenchStack,
  profile: WriteProfile,
  perennialMs: number,
  inputs: { customers: { id: string; pm: string }[]; subscriptionId: string; from: Date; to: Date },
): Promise<PhaseFigures> {
  const rowsMs = await rowsOnlyBaseline(stack.postgresUrl, profile);
  const charges = profile.tables.find((t) => t.table === 'sandbox_charges')?.inserts ?? 0;
  const processBefore = process.cpuUsage();
  const postgresBefore = cpuMsByPart(stack).postgres;
  const sameMs = SAME_WORK
    ? await sameWorkBaseline(stack.postgresUrl, profile, {
        orm: stack.orm,
        gateway: stack.gateway,
        mailer: stack.mailer,
        publicUrl: 'http://bench.test',
        customers: inputs.customers,
        emails: await emailsOfPhase(stack.orm, inputs.subscriptionId, inputs.from, inputs.to),
        chargesPerSubscription: charges / profile.subscriptions,
      })
    : null;
  const sameWorkCpu =
    sameMs === null
      ? null
      : {
          bench_process: cpuMsOfThisProcess(processBefore, profile.subscriptions),
          postgres:
            Math.round(((cpuMsByPart(stack).postgres - postgresBefore) / profile.subscriptions) * 10) / 10,
        };
  return {
    subscriptions: profile.subscriptions,
    perennial_ms: perennialMs,
    per_second: perSecond(profile.subscriptions, perennialMs),
    rows_only_ms: rowsMs,
    same_work_ms: sameMs,
    same_work_cpu_ms: sameWorkCpu,
    perennial_over_rows_only: ratio(perennialMs, rowsMs),
    perennial_over_same_work: sameMs === null ? null : ratio(perennialMs, sameMs),
    rows_per_subscription: rowsPerSubscription(profile),
  };
}

async function main(): Promise<void> {
  const stack = await startBenchStack('renewal-storm', OPTIONS);
  const { client, orm, gateway } = stack;
  try {
    const plan = await seedSellerAndPlan(orm);
    const customers = await seedCustomers(orm, gateway, N);
    const beforeStart = await settledCounters(stack.postgresUrl);

    await resetStatementCounts(stack);
    const cpuBeforeStarts = cpuMsByPart(stack);
    const benchCpuBeforeStarts = process.cpuUsage();
    const startedAt = new Date();
    logMonotonic('starts began');
    const ids = await startSubscriptions(stack, plan, customers, {
      concurrency: CONCURRENCY,
      testClockTime: START,
    });
    const paidCount = (periodIndex: number) => orm.em.fork().count(Invoice, { periodIndex, status: 'paid' });
    await waitUntil(async () => (await paidCount(0)) >= N, 'first invoices', phaseTimeoutMs(N));
    const startMs = Date.now() - startedAt.getTime();
    await stack.workers.waitForIdle();
    logMonotonic('starts idle');
    const cpuPerStart = cpuMsPerUnit(cpuBeforeStarts, cpuMsByPart(stack), N);
    const benchCpuPerStart = cpuMsOfThisProcess(benchCpuBeforeStarts, N);
    await writeStatementCounts(stack, 'renewal-storm-starts', N);
    const afterStart = await settledCounters(stack.postgresUrl);

    await resetStatementCounts(stack);
    const cpuBeforeStorm = cpuMsByPart(stack);
    const advancedAt = new Date();
    logMonotonic('storm began');
    await inBatches(ids, 100, (id) =>
      client.workflow
        .getHandle(lifecycleWorkflowIdFor(id))
        .signal(testClockAdvancedSignal, { frozenTime: RENEWAL }),
    );
    await waitUntil(async () => (await paidCount(1)) >= N, 'renewal invoices', phaseTimeoutMs(N));
    const stormMs = Date.now() - advancedAt.getTime();
    // Printed at once, so the storm's own figure survives a failure in the phases after it.
    console.log(
      `[bench] storm: ${N} renewals paid in ${stormMs} ms (${perSecond(N, stormMs)}/s); starts ${startMs} ms`,
    );
    // Paid dates are the test clock's; the lag is read from the wall-clock moment each renewal's charge was made.
    const charged = await orm.em.getConnection().execute<{ at: Date }[]>(
      `select a.created_at as at from payment_attempts a join invoices i on i.id = a.invoice_id
        where i.period_index = 1 and a.status = 'succeeded'`,
    );
    const lags = charged
      .map((row) => new Date(row.at).getTime() - advancedAt.getTime())
      .sort((a, b) => a - b);
    const tail = await stragglers(stack, advancedAt, 3);
    for (const run of tail)
      console.log(
        `[bench] straggler ${run.subscription_id} charged at ${run.charged_s} s:`,
        JSON.stringify(run.waits),
      );
    const workerRss = stack.workers.rss();
    await stack.workers.waitForIdle();
    // Until the workers are idle again: the storm's emails (receipts with their PDFs) are part of its work.
    const cpuPerRenewal = cpuMsPerUnit(cpuBeforeStorm, cpuMsByPart(stack), N);
    logMonotonic('storm idle');
    await writeStatementCounts(stack, 'renewal-storm-renewals', N);
    const afterStorm = await settledCounters(stack.postgresUrl);
    // The storm's emails (receipts) are sent by the outbox relay, after the charges they follow.
    const [lastEmail] = await orm.em
      .getConnection()
      .execute<{ at: Date | null }[]>(
        `select max(sent_at) as at from email_messages where created_at >= ? and status = 'sent'`,
        [advancedAt],
      );
    const emailsDoneMs = lastEmail?.at ? new Date(lastEmail.at).getTime() - advancedAt.getTime() : null;
    const stormEnded = new Date();
    const [database] = await orm.em
      .getConnection()
      .execute<{ size: string }[]>('select pg_database_size(current_database())::text as size');
    const runs = (await Promise.all(ids.slice(0, 5).map((id) => renewalRun(stack, id)))).filter(
      (run): run is NonNullable<typeof run> => run !== null,
    );
    const stateBytes = Math.max(0, ...runs.map((run) => run.stateBytes));
    const { taskTimeouts, activityRetries } = await renewalRunTroubles(stack, ids, 200);
    console.log(
      `[bench] workflow task timeouts: ${taskTimeouts.runs_with_a_timeout} of ${taskTimeouts.runs_sampled} sampled renewal runs, ${taskTimeouts.timeouts} in all`,
    );
    console.log(
      `[bench] activity retries: ${activityRetries.runs_with_a_retry} of ${activityRetries.runs_sampled} sampled renewal runs, ${activityRetries.retries} in all`,
      JSON.stringify(activityRetries.causes),
    );

    // The engine's own ceiling on the same backend, with Perennial's continue-as-new state size.
    const ceiling: CeilingRow[] = CEILING_SHAPES.length
      ? await measureCeiling(client, stack.temporalAddress, {
          ...OPTIONS,
          n: CEILING_N,
          shapes: CEILING_SHAPES,
          payloadBytes: stateBytes,
          temporalPids: stack.temporalPids,
        })
      : [];

    const subscriptionId = ids[0] ?? '';
    const newSubscriptions = await baselines(stack, writeProfile(beforeStart, afterStart, N), startMs, {
      customers,
      subscriptionId,
      from: startedAt,
      to: advancedAt,
    });
    const renewals = await baselines(stack, writeProfile(afterStart, afterStorm, N), stormMs, {
      customers,
      subscriptionId,
      from: advancedAt,
      to: stormEnded,
    });
    const renewalsPerSecond = perSecond(N, stormMs);
    const result = {
      benchmark: 'renewal-storm',
      ...machine(),
      ...engineDescription(OPTIONS),
      subscriptions: N,
      renewals_per_second: renewalsPerSecond,
      renewal_emails_sent_ms: emailsDoneMs,
      // Comparable across runs where the rate is not: what each part of the engine spent per subscription.
      cpu_ms_per_start: cpuPerStart,
      cpu_ms_per_renewal: cpuPerRenewal,
      // This process's part of a start: what the API does for a create (the reads, the row, the start's round trip),
      // with the SMTP catcher and the gateway sandbox beside it. Not in the engine's parts above.
      bench_process_cpu_ms_per_start: benchCpuPerStart,
      // The cores' bound on each rate from that CPU, with the receipts and emails the storm caused counted in.
      cpu_bound_starts_per_second: cpuBoundPerSecond(cpuPerStart),
      cpu_bound_renewals_per_second: cpuBoundPerSecond(cpuPerRenewal),
      charge_lag_p50_ms: percentile(lags, 50),
      charge_lag_p99_ms: percentile(lags, 99),
      charge_lag_max_ms: lags.at(-1) ?? null,
      stragglers: tail,
      renewal_workflow_task_timeouts: taskTimeouts,
      renewal_activity_retries: activityRetries,
      history_events_per_renewal_run: runs.map((run) => run.events),
      history_bytes_per_renewal_run: runs.map((run) => run.bytes),
      continue_as_new_state_bytes: stateBytes,
      worker_processes_rss_mb_at_storm_end: mb(workerRss),
      postgres_size_mb: mb(Number(database?.size ?? 0)),
      renewals,
      new_subscriptions: newSubscriptions,
      ceiling: ceiling.map((row) => ({
        ...row,
        storm_over_ceiling: ratio(renewalsPerSecond, row.renewals_per_second),
        // Read against `perennialOpen`, whose start does a new subscription's two activities; the others only start.
        starts_over_ceiling: ratio(newSubscriptions.per_second, row.starts_per_second),
      })),
    };
    console.table([
      { phase: 'new subscriptions', ...withoutProfile(newSubscriptions) },
      { phase: 'renewals', ...withoutProfile(renewals) },
    ]);
    if (ceiling.length) console.table(result.ceiling);
    console.log(
      `storm ${renewalsPerSecond}/s, ${runs[0]?.events ?? '?'} events per renewal run, charge lag p50 ${result.charge_lag_p50_ms} ms p99 ${result.charge_lag_p99_ms} ms, ` +
        `last renewal email sent at ${emailsDoneMs ?? '?'} ms; CPU ms per renewal ${JSON.stringify(cpuPerRenewal)}, ` +
        `per start ${JSON.stringify(cpuPerStart)}; the cores allow ${result.cpu_bound_renewals_per_second} ` +
        `renewals/s and ${result.cpu_bound_starts_per_second} starts/s`,
    );
    await writeResult(`renewal-storm-${OPTIONS.backend}-${N}.json`, result);
  } finally {
    await stack.close();
  }
}

const withoutProfile = ({ rows_per_subscription: _rows, ...figures }: PhaseFigures) => figures;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
