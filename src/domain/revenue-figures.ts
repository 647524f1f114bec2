import { DomainError } from './errors';
import { MRR_MOVEMENT_KINDS, type MrrMovementKind } from './mrr';
import { convertMinorUnits, decimalRatio, roundedQuotient } from './ratios';
import { monthBucketAfter, monthBucketOf, type ReportBucket, type ReportInterval } from './report-periods';

/** One row of the MRR ledger as the figures read it. */
export interface LedgerMovement {
  subscriptionId: string;
  customerId: string;
  currency: string;
  kind: MrrMovementKind;
  mrrBefore: number;
  mrrAfter: number;
  /** Whether the subscription counts (pays MRR) after this movement: its MRR in its own currency is above 0. */
  counts: boolean;
  atMs: number;
  /** The subscription's own order of its movements, for movements that share an instant. */
  sequence: number;
}

export interface TrialMark {
  subscriptionId: string;
  currency: string;
  kind: 'started' | 'converted';
  atMs: number;
}

/** A dunning episode that ended: its past-due invoice was paid after all, or given up as uncollectible. */
export interface DunningOutcome {
  currency: string;
  outcome: 'recovered' | 'lost';
  resolvedAtMs: number;
  /** What the recovery brought in (the invoice's amount paid); 0 for a loss. */
  recoveredAmount: number;
}

export interface FigureInputs {
  movements: readonly LedgerMovement[];
  trials: readonly TrialMark[];
  dunning: readonly DunningOutcome[];
}

export interface MovementFigure {
  /** Σ of the movements' MRR deltas: positive for new, expansion, reactivation; negative for contraction, churn. */
  amount: number;
  count: number;
}

export interface BucketFigures {
  label: string;
  start: string;
  end: string;
  mrrStart: number;
  mrr: number;
  arr: number;
  movements: Record<MrrMovementKind, MovementFigure>;
  netNewMrr: number;
  trialStarts: number;
  trialConversions: number;
  trialConversionRate: string | null;
  activeSubscriptions: number;
  activeCustomers: number;
  customersAtStart: number;
  churnedCustomers: number;
  logoChurnRate: string | null;
  revenueChurnRate: string | null;
  grossRevenueRetention: string | null;
  netRevenueRetention: string | null;
  arpu: number | null;
  ltv: number | null;
  dunningRecovered: number;
  dunningLost: number;
  dunningRecoveryRate: string | null;
  dunningRecoveredAmount: number;
}

export interface CurrencyFigures {
  currency: string;
  buckets: BucketFigures[];
}

/** One bucket's length in months, as a fraction: a month bucket is 1, a week 7 × 12 / 365, a day 12 / 365. */
const BUCKET_MONTHS: Record<ReportInterval, { numerator: bigint; denominator: bigint }> = {
  day: { numerator: 12n, denominator: 365n },
  week: { numerator: 84n, denominator: 365n },
  month: { numerator: 1n, denominator: 1n },
};

type SubscriptionState = { customerId: string; mrr: number; counts: boolean };
type LedgerState = Map<string, SubscriptionState>;
type CustomerState = { mrr: number; active: boolean };

function byTimeThenSequence(a: LedgerMovement, b: LedgerMovement): number {
  return (
    a.atMs - b.atMs ||
    (a.subscriptionId < b.subscriptionId ? -1 : a.subscriptionId > b.subscriptionId ? 1 : 0) ||
    a.sequence - b.sequence
  );
}

/**
 * Each subscription's MRR just before each boundary: the MRR after its last movement at an earlier instant.
 * One sweep over the movements in time order; `boundaries` must be ascending.
 */
function statesBefore(movements: readonly LedgerMovement[], boundaries: readonly number[]): LedgerState[] {
  const sorted = [...movements].sort(byTimeThenSequence);
  const current: LedgerState = new Map();
  const states: LedgerState[] = [];
  let next = 0;
  for (const boundary of boundaries) {
    while (next < sorted.length && sorted[next]!.atMs < boundary) {
      const movement = sorted[next]!;
      current.set(movement.subscriptionId, {
        customerId: movement.customerId,
        mrr: movement.mrrAfter,
        counts: movement.counts,
      });
      next += 1;
    }
    states.push(new Map(current));
  }
  return states;
}

function customersOf(state: LedgerState): Map<string, CustomerState> {
  const customers = new Map<string, CustomerState>();
  for (const subscription of state.values()) {
    const customer = customers.get(subscription.customerId) ?? { mrr: 0, active: false };
    customer.mrr += subscription.mrr;
    customer.active ||= subscription.counts;
    customers.set(subscription.customerId, customer);
  }
  return customers;
}

function totalMrr(state: LedgerState): number {
  let total = 0;
  for (const subscription of state.values()) total += subscription.mrr;
  return total;
}

function countingSubscriptions(state: LedgerState): number {
  let count = 0;
  for (const subscription of state.values()) if (subscription.counts) count += 1;
  return count;
}

function activeCustomerCount(customers: Map<string, CustomerState>): number {
  let count = 0;
  for (const customer of customers.values()) if (customer.active) count += 1;
  return count;
}

/** The index of the bucket holding an instant, or -1 outside the report (buckets are contiguous, ascending). */
function bucketIndex(atMs: number, buckets: readonly ReportBucket[]): number {
  let low = 0;
  let high = buckets.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const bucket = buckets[middle]!;
    if (atMs < bucket.startMs) high = middle - 1;
    else if (atMs >= bucket.endMs) low = middle + 1;
    else return middle;
  }
  return -1;
}

/** What happened within each bucket: movements by kind, trial marks, dunning outcomes. One pass over each. */
interface BucketActivity {
  movements: Record<MrrMovementKind, MovementFigure>;
  trialStarts: string[];
  trialConversions: number;
  recovered: number;
  lost: number;
  recoveredAmount: number;
}

function activityByBucket(inputs: FigureInputs, buckets: readonly ReportBucket[]): BucketActivity[] {
  const activity = buckets.map<BucketActivity>(() => ({
    movements: Object.fromEntries(
      MRR_MOVEMENT_KINDS.map((kind) => [kind, { amount: 0, count: 0 }]),
    ) as Record<MrrMovementKind, MovementFigure>,
    trialStarts: [],
    trialConversions: 0,
    recovered: 0,
    lost: 0,
    recoveredAmount: 0,
  }));
  for (const movement of inputs.movements) {
    const bucket = activity[bucketIndex(movement.atMs, buckets)];
    if (!bucket) continue;
    bucket.movements[movement.kind].amount += movement.mrrAfter - movement.mrrBefore;
    bucket.movements[movement.kind].count += 1;
  }
  for (const mark of inputs.trials) {
    const bucket = activity[bucketIndex(mark.atMs, buckets)];
    if (!bucket) continue;
    if (mark.kind === 'started') bucket.trialStarts.push(mark.subscriptionId);
    else bucket.trialConversions += 1;
  }
  for (const outcome of inputs.dunning) {
    const bucket = activity[bucketIndex(outcome.resolvedAtMs, buckets)];
    if (!bucket) continue;
    if (outcome.outcome === 'recovered') {
      bucket.recovered += 1;
      bucket.recoveredAmount += outcome.recoveredAmount;
    } else bucket.lost += 1;
  }
  return activity;
}

/**
 * Lifetime value: ARPU × gross margin ÷ revenue churn rate, where ARPU is per month and the churn rate per bucket,
 * so the expected lifetime 1 ÷ churn (in buckets) is turned into months by the bucket's length. As one fraction:
 * mrr × margin_bp × base × months_num ÷ (customers × 10000 × churned × months_den), rounded once. `null` without
 * customers or without churn: with no revenue lost the expected lifetime is unbounded, and no cap is invented.
 */
function lifetimeValue(
  mrr: number,
  customers: number,
  grossMarginBasisPoints: number,
  base: number,
  churned: number,
  interval: ReportInterval,
): number | null {
  if (customers === 0 || churned === 0 || base === 0) return null;
  const months = BUCKET_MONTHS[interval];
  return roundedQuotient(
    BigInt(mrr) * BigInt(grossMarginBasisPoints) * BigInt(base) * months.numerator,
    BigInt(customers) * 10_000n * BigInt(churned) * months.denominator,
  );
}

function bucketFigures(
  bucket: ReportBucket,
  atStart: LedgerState,
  atEnd: LedgerState,
  activity: BucketActivity,
  options: { interval: ReportInterval; grossMarginBasisPoints: number; convertedByEnd: ReadonlySet<string> },
): BucketFigures {
  const mrrStart = totalMrr(atStart);
  const mrr = totalMrr(atEnd);
  const startCustomers = customersOf(atStart);
  const endCustomers = customersOf(atEnd);

  // Retention follows the customers who paid at the start, whatever happened to them in between.
  let customersAtStart = 0;
  let churnedCustomers = 0;
  let base = 0;
  let retained = 0;
  let ending = 0;
  for (const [customerId, start] of startCustomers) {
    if (!start.active) continue;
    const end = endCustomers.get(customerId) ?? { mrr: 0, active: false };
    customersAtStart += 1;
    if (!end.active) churnedCustomers += 1;
    base += start.mrr;
    retained += Math.min(start.mrr, end.mrr);
    ending += end.mrr;
  }
  const activeCustomers = activeCustomerCount(endCustomers);
  const dunningResolved = activity.recovered + activity.lost;

  return {
    label: bucket.label,
    start: bucket.start,
    end: bucket.end,
    mrrStart,
    mrr,
    arr: 12 * mrr,
    movements: activity.movements,
    netNewMrr: MRR_MOVEMENT_KINDS.reduce((sum, kind) => sum + activity.movements[kind].amount, 0),
    trialStarts: activity.trialStarts.length,
    trialConversions: activity.trialConversions,
    trialConversionRate: decimalRatio(
      activity.trialStarts.filter((subscriptionId) => options.convertedByEnd.has(subscriptionId)).length,
      activity.trialStarts.length,
    ),
    activeSubscriptions: countingSubscriptions(atEnd),
    activeCustomers,
    customersAtStart,
    churnedCustomers,
    logoChurnRate: decimalRatio(churnedCustomers, customersAtStart),
    revenueChurnRate: decimalRatio(base - retained, base),
    grossRevenueRetention: decimalRatio(retained, base),
    netRevenueRetention: decimalRatio(ending, base),
    arpu: roundedQuotient(mrr, activeCustomers),
    ltv: lifetimeValue(
      mrr,
      activeCustomers,
      options.grossMarginBasisPoints,
      base,
      base - retained,
      options.interval,
    ),
    dunningRecovered: activity.recovered,
    dunningLost: activity.lost,
    dunningRecoveryRate: decimalRatio(activity.recovered, dunningResolved),
    dunningRecoveredAmount: activity.recoveredAmount,
  };
}

function assertMargin(grossMarginBasisPoints: number): void {
  if (
    !Number.isSafeInteger(grossMarginBasisPoints) ||
    grossMarginBasisPoints < 0 ||
    grossMarginBasisPoints > 10_000
  ) {
    throw new DomainError('invalid_ratio', `Gross margin must be 0 to 10000 basis points`);
  }
}

function groupByCurrency(inputs: FigureInputs): Map<string, FigureInputs> {
  const groups = new Map<
    string,
    { movements: LedgerMovement[]; trials: TrialMark[]; dunning: DunningOutcome[] }
  >();
  const group = (currency: string) => {
    let found = groups.get(currency);
    if (!found) {
      found = { movements: [], trials: [], dunning: [] };
      groups.set(currency, found);
    }
    return found;
  };
  for (const movement of inputs.movements) group(movement.currency).movements.push(movement);
  for (const mark of inputs.trials) group(mark.currency).trials.push(mark);
  for (const outcome of inputs.dunning) group(outcome.currency).dunning.push(outcome);
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Every bucket's figures, per currency (amounts of different currencies never mix). The inputs hold the whole
 * ledger up to the report's end, not just the range: the MRR at a bucket's start is the sum of all earlier
 * movements. Definitions and worked examples: docs/analytics.md.
 */
export function computeRevenueFigures(
  inputs: FigureInputs,
  options: { buckets: readonly ReportBucket[]; interval: ReportInterval; grossMarginBasisPoints: number },
): CurrencyFigures[] {
  assertMargin(options.grossMarginBasisPoints);
  const last = options.buckets[options.buckets.length - 1];
  if (!last) return [];
  const boundaries = [...options.buckets.map((bucket) => bucket.startMs), last.endMs];
  return [...groupByCurrency(inputs)].map(([currency, group]) => {
    const states = statesBefore(group.movements, boundaries);
    const activity = activityByBucket(group, options.buckets);
    // A trial converts when it converts, but it counts for the bucket it started in, up to the report's end.
    const convertedByEnd = new Set(
      group.trials
        .filter((mark) => mark.kind === 'converted' && mark.atMs < last.endMs)
        .map((mark) => mark.subscriptionId),
    );
    return {
      currency,
      buckets: options.buckets.map((bucket, index) =>
        bucketFigures(bucket, states[index]!, states[index + 1]!, activity[index]!, {
          interval: options.interval,
          grossMarginBasisPoints: options.grossMarginBasisPoints,
          convertedByEnd,
        }),
      ),
    };
  });
}

export interface CohortCell {
  monthsSinceStart: number;
  activeCustomers: number;
  mrr: number;
  customerRetention: string | null;
  mrrRetention: string | null;
}

export interface Cohort {
  currency: string;
  /** The calendar month (seller's time zone) in which the cohort's customers first paid MRR. */
  month: string;
  customers: number;
  cells: CohortCell[];
}

/**
 * Customers grouped by the month their first subscription first counted (per currency), and at the end of that
 * month and of each month after it up to the report's last month: how many of them pay MRR, how much, and both
 * as a share of the cohort (customers) and of the cohort's MRR at the end of its first month.
 */
export function computeCohorts(
  movements: readonly LedgerMovement[],
  options: { firstMonth: ReportBucket; lastMonth: ReportBucket; timeZone: string },
): Cohort[] {
  const months: ReportBucket[] = [];
  for (let month = options.firstMonth; month.startMs <= options.lastMonth.startMs;) {
    months.push(month);
    month = monthBucketAfter(month, 1, options.timeZone);
  }
  const cohorts: Cohort[] = [];
  for (const [currency, group] of groupByCurrency({ movements, trials: [], dunning: [] })) {
    const customersAtMonthEnd = statesBefore(
      group.movements,
      months.map((month) => month.endMs),
    ).map(customersOf);
    const startedAt = new Map<string, number>();
    for (const movement of group.movements) {
      const known = startedAt.get(movement.customerId);
      if (known === undefined || movement.atMs < known) startedAt.set(movement.customerId, movement.atMs);
    }
    const membersByMonth = new Map<number, string[]>();
    for (const [customerId, atMs] of startedAt) {
      const monthStart = monthBucketOf(atMs, options.timeZone).startMs;
      const members = membersByMonth.get(monthStart) ?? [];
      members.push(customerId);
      membersByMonth.set(monthStart, members);
    }
    months.forEach((month, monthIndex) => {
      const members = membersByMonth.get(month.startMs) ?? [];
      if (members.length === 0) return;
      const cells: CohortCell[] = [];
      let firstMrr = 0;
      for (let offset = 0; monthIndex + offset < months.length; offset += 1) {
        const customers = customersAtMonthEnd[monthIndex + offset]!;
        let active = 0;
        let mrr = 0;
        for (const customerId of members) {
          const customer = customers.get(customerId);
          if (customer?.active) active += 1;
          mrr += customer?.mrr ?? 0;
        }
        if (offset === 0) firstMrr = mrr;
        cells.push({
          monthsSinceStart: offset,
          activeCustomers: active,
          mrr,
          customerRetention: decimalRatio(active, members.length),
          mrrRetention: decimalRatio(mrr, firstMrr),
        });
      }
      cohorts.push({ currency, month: month.label, customers: members.length, cells });
    });
  }
  return cohorts;
}

export interface ReportingCurrency {
  currency: string;
  /** Units of the reporting currency per unit of each other currency, as exact decimal strings. */
  rates: Readonly<Record<string, string>>;
}

/**
 * The inputs in the reporting currency: amounts of the reporting currency as they are, those of a currency with a
 * rate converted, and those of a currency without one left out (returned by name, never guessed). Each MRR value
 * is converted on its own (before and after of every movement), so converted deltas still add up to the
 * converted MRR; whether a subscription counts stays what it is in its own currency.
 */
export function inReportingCurrency(
  inputs: FigureInputs,
  reporting: ReportingCurrency,
): { inputs: FigureInputs; unconverted: string[] } {
  const unconverted = new Set<string>();
  const convertible = (currency: string) => {
    if (currency === reporting.currency || reporting.rates[currency] !== undefined) return true;
    unconverted.add(currency);
    return false;
  };
  const convert = (amount: number, currency: string) =>
    currency === reporting.currency
      ? amount
      : convertMinorUnits(amount, currency, reporting.currency, reporting.rates[currency]!);
  return {
    inputs: {
      movements: inputs.movements
        .filter((movement) => convertible(movement.currency))
        .map((movement) => ({
          ...movement,
          currency: reporting.currency,
          mrrBefore: convert(movement.mrrBefore, movement.currency),
          mrrAfter: convert(movement.mrrAfter, movement.currency),
        })),
      trials: inputs.trials
        .filter((mark) => convertible(mark.currency))
        .map((mark) => ({ ...mark, currency: reporting.currency })),
      dunning: inputs.dunning
        .filter((outcome) => convertible(outcome.currency))
        .map((outcome) => ({
          ...outcome,
          currency: reporting.currency,
          recoveredAmount: convert(outcome.recoveredAmount, outcome.currency),
        })),
    },
    unconverted: [...unconverted].sort(),
  };
}
