import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { parseArgs } from 'node:util';
import { createLifecycleActivities } from '../src/activities/lifecycle.activities';
import type {
  BillPeriodRequest,
  BillPeriodResult,
  CommitRequest,
} from '../src/activities/lifecycle.contract';
import { readRows } from '../src/db/direct-read';
import { createOutboxRelay } from '../src/mail/outbox-relay';
import type { Mailer } from '../src/mail/mailer';
import type { Orm } from '../src/db/orm.config';
import type { SubscriptionState } from '../src/workflows/lifecycle/state';
import {
  machine,
  PUBLIC_URL,
  seedCustomers,
  seedSellerAndPlan,
  startSubscriptions,
  startTimeSkippingStack,
  waitUntil,
  writeResult,
} from './stack';

/**
 * The CPU a renewal's activities cost the worker process, each activity called directly and one call at a time
 * over N subscriptions, with nothing else running in the process: the workers' share of a renewal without a
 * storm's noise (contention, retries, replays), so that a change to an activity's code can be compared run to run.
 * The subscriptions are started through their real workflows on the time-skipping server, whose worker is stopped
 * before the measurement. Three phases, each a renewal's: `billPeriod` (the next period's invoice, finalization and
 * charge through the sandbox gateway), `commitTransition` (the renewal's transition: read model, two events, the
 * MRR movement, the receipt's outbox row, the operator view) and the outbox relay sending the receipts (rendered
 * with their PDF, sent to the bench's SMTP catcher, which runs in this process and is counted with the relay).
 * The first tenth of each phase warms the code up and is not counted.
 *
 *   npm run bench:activity-cpu -- --n 300
 */
const { values } = parseArgs({ options: { n: { type: 'string', default: '300' } } });
const N = Number(values.n);
if (!Number.isInteger(N) || N < 10) throw new Error('--n must be an integer of at least 10');
const WARM = Math.ceil(N / 10);

const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

interface PhaseResult {
  phase: string;
  calls: number;
  cpu_ms_per_call: number;
  wall_ms_per_call: number;
}

/** Calls `work` for each input in turn; the CPU and wall time of all but the first `warm` calls, per call. */
async function phase<T, R>(
  name: string,
  inputs: T[],
  work: (input: T) => Promise<R>,
  warm = WARM,
): Promise<R[]> {
  const results: R[] = [];
  let cpuStart = cpuMs();
  let wallStart = performance.now();
  for (const [index, input] of inputs.entries()) {
    if (index === warm) {
      cpuStart = cpuMs();
      wallStart = performance.now();
    }
    results.push(await work(input));
  }
  const calls = inputs.length - warm;
  const round = (ms: number) => Math.round((ms / calls) * 100) / 100;
  phases.push({
    phase: name,
    calls,
    cpu_ms_per_call: round(cpuMs() - cpuStart),
    wall_ms_per_call: round(performance.now() - wallStart),
  });
  return results;
}

const phases: PhaseResult[] = [];

/**
 * `BENCH_ACTIVITY_CPU_PROF=<file>`: a CPU profile of the measured phases alone (not the set-up), written there; the
 * profiler's own cost is in the figures of such a run.
 */
async function profiled<T>(work: () => Promise<T>): Promise<T> {
  const file = process.env.BENCH_ACTIVITY_CPU_PROF;
  if (!file) return work();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 1000 });
  await post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`[bench] CPU profile of the phases: ${file}`);
  }
}

/** The commit measured, marked when the source had changes not committed yet. */
function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    return changed ? `${head} with uncommitted changes to src/` : head;
  } catch {
    return null;
  }
}

/** The renewal's invoice request, as the workflow's `billNewPeriod` builds it at the period's end. */
function renewalBill(state: SubscriptionState): BillPeriodRequest {
  const at = state.period.end;
  return {
    subscriptionId: state.subscriptionId,
    customerId: state.customerId,
    currency: state.currency,
    timeZone: state.timeZone,
    items: state.items,
    periodIndex: state.periodIndex + 1,
    period: null,
    calendar: {
      anchor: state.anchor,
      interval: state.interval,
      index: state.periodIndex + 1 - state.anchorPeriodIndex,
    },
    usageWindow: null,
    credit: null,
    licensed: true,
    requirePaymentMethod: false,
    paymentMethodId: state.paymentMethodId,
    at,
    dunning: { failedAttempts: 1, firstFailureAt: at, timeZone: state.timeZone },
  };
}

/** The renewal's transition, as the workflow's `endPeriod` commits a paid renewal. */
function renewalCommit(state: SubscriptionState, billed: BillPeriodResult): CommitRequest {
  if (!billed.billed) throw new Error(`${state.subscriptionId} was not billed: ${billed.reason}`);
  if (billed.charge && billed.charge.outcome !== 'paid') {
    throw new Error(`${state.subscriptionId}'s renewal charge was declined`);
  }
  const { invoiceId } = billed.invoice;
  const next: SubscriptionState = {
    ...structuredClone(state),
    periodIndex: state.periodIndex + 1,
    period: billed.plan.period,
    renewalReminderAt: billed.plan.renewalReminderAt,
    renewalReminderSent: false,
    renewals: state.renewals + 1,
  };
  const at = state.period.end;
  const data = { status: next.status, periodIndex: next.periodIndex, at, invoiceId };
  return {
    state: next,
    previous: state,
    at,
    events: [
      { key: `${state.subscriptionId}:bench-renewed`, type: 'subscription.renewed', data },
      { key: `${state.subscriptionId}:bench-paid`, type: 'invoice.paid', data },
    ],
    emails: [{ kind: 'receipt', cause: `${state.subscriptionId}:receipt:${invoiceId}`, invoiceId }],
    invoiceActions: [],
    redeemCoupons: [],
    removeCoupons: [],
    pendingItems: [],
  };
}

/** The three phases of a renewal, in order, over every subscription. */
async function measurePhases(
  orm: Orm,
  mailer: Mailer,
  activities: ReturnType<typeof createLifecycleActivities>,
  states: SubscriptionState[],
): Promise<void> {
  const bills = await phase('billPeriod', states, (state) => activities.billPeriod(renewalBill(state)));
  const commits = states.map((state, index) => renewalCommit(state, bills[index] as BillPeriodResult));
  // The warm-up commits' receipts warm the relay up (its PDF fonts, templates, SMTP connection) uncounted.
  const relay = createOutboxRelay({ orm, mailer, publicUrl: PUBLIC_URL });
  for (const request of commits.slice(0, WARM)) await activities.commitTransition(request);
  if ((await relay.drainOnce()) !== WARM) throw new Error('the relay did not send the warm-up receipts');
  const counted = commits.slice(WARM);
  await phase('commitTransition', counted, (request) => activities.commitTransition(request), 0);
  // One drain sends them all, claiming 20 at a time as a busy worker's relay does (a quiet one claims fewer, so
  // its claim and sender read cost a receipt more); its CPU is shared out per email. Garbage from one phase may be
  // collected in the next: the split between phases is approximate, their sum is not.
  const [sent] = await phase('relay (a receipt with its PDF)', [counted.length], () => relay.drainOnce(), 0);
  if (sent !== counted.length) throw new Error(`the relay sent ${sent} receipts of ${counted.length}`);
  const relayRow = phases.at(-1) as PhaseResult;
  relayRow.calls = counted.length;
  relayRow.cpu_ms_per_call = Math.round((relayRow.cpu_ms_per_call / counted.length) * 100) / 100;
  relayRow.wall_ms_per_call = Math.round((relayRow.wall_ms_per_call / counted.length) * 100) / 100;
}

async function main(): Promise<void> {
  const stack = await startTimeSkippingStack('activity-cpu');
  try {
    const { orm } = stack;
    const plan = await seedSellerAndPlan(orm);
    const customers = await seedCustomers(orm, stack.gateway, N);
    const ids = await startSubscriptions(stack, plan, customers, { concurrency: 10 });
    console.log(`[bench] activity-cpu: ${ids.length} subscriptions started`);
    // Started means opened and paid, its emails sent: then the worker has nothing left to do.
    await waitUntil(
      async () => {
        const [row] = await readRows<{ open: string; pending: string }>(
          orm,
          `select (select count(*) from subscriptions where state->>'status' <> 'active' or state is null) as open,
                  (select count(*) from email_messages where status = 'pending') as pending`,
          [],
        );
        return row?.open === '0' && row.pending === '0';
      },
      'every subscription active and its emails sent',
      10 * 60 * 1000,
    );
    await stack.stopWorker();

    const states = (
      await readRows<{ state: SubscriptionState }>(orm, 'select state from subscriptions order by id', [])
    ).map((row) => row.state);
    const activities = createLifecycleActivities({ orm, mailer: stack.mailer, gateway: stack.gateway });
    await profiled(() => measurePhases(orm, stack.mailer, activities, states));

    const result = {
      benchmark: 'activity-cpu',
      ...machine(),
      commit: gitCommit(),
      subscriptions: N,
      warm_up_calls: WARM,
      phases,
      cpu_ms_per_renewal: Math.round(phases.reduce((sum, row) => sum + row.cpu_ms_per_call, 0) * 100) / 100,
    };
    console.table(phases);
    console.log(`CPU ms a renewal in the worker's activities: ${result.cpu_ms_per_renewal}`);
    await writeResult('activity-cpu.json', result);
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
