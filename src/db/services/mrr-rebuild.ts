import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { toUtcIso } from '../../domain/calendar';
import {
  nextLedgerStep,
  subscriptionMrr,
  trialTransition,
  type LedgerStep,
  type MrrSnapshot,
} from '../../domain/mrr';
import { newId } from '../ids';
import { StoreError } from './errors';
import { epochMs } from './instants';

/**
 * The subscription snapshot a domain event carries in `data.subscription` (snake_case, as the events are
 * published): enough to compute the subscription's MRR after the event and the trial marks of its status change.
 */
const eventSnapshotSchema = z.object({
  status: z.string().min(1),
  previous_status: z.string().min(1).nullable().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  interval: z.object({
    unit: z.enum(['day', 'week', 'month', 'year']),
    count: z.number().int().min(1),
  }),
  items: z.array(z.object({ kind: z.enum(['licensed', 'metered']), amount: z.number().int().min(0) })),
  discounts: z.array(
    z.discriminatedUnion('type', [
      z.object({
        type: z.literal('percent'),
        basis_points: z.number().int().min(0).max(10_000),
        recurring: z.boolean(),
      }),
      z.object({ type: z.literal('amount'), amount: z.number().int().min(0), recurring: z.boolean() }),
    ]),
  ),
  test_mode: z.boolean(),
});

export interface EventSnapshot {
  snapshot: MrrSnapshot;
  previousStatus: string | null;
}

/** Reads `data.subscription` of a domain event; `null` when the event carries none (it moves no MRR). */
export function snapshotOfEvent(data: Record<string, unknown>): EventSnapshot | null {
  if (data.subscription === undefined || data.subscription === null) return null;
  const parsed = eventSnapshotSchema.parse(data.subscription);
  return {
    previousStatus: parsed.previous_status ?? null,
    snapshot: {
      status: parsed.status,
      currency: parsed.currency,
      interval: parsed.interval,
      items: parsed.items.map((item) => ({ kind: item.kind, amount: item.amount })),
      discounts: parsed.discounts.map((discount) =>
        discount.type === 'percent'
          ? { type: 'percent', basisPoints: discount.basis_points, recurring: discount.recurring }
          : { type: 'amount', amount: discount.amount, recurring: discount.recurring },
      ),
      testMode: parsed.test_mode,
    },
  };
}

/** A ledger row in the form both the recorded and the rebuilt ledger are compared in. */
export interface LedgerRow {
  subscriptionId: string;
  customerId: string;
  sequence: number;
  kind: LedgerStep['kind'];
  currency: string;
  mrrBefore: number;
  mrrAfter: number;
  delta: number;
  occurredAt: string;
  eventKey: string;
  testMode: boolean;
}

export interface TrialMarkRow {
  subscriptionId: string;
  customerId: string;
  kind: 'started' | 'converted';
  currency: string;
  occurredAt: string;
  eventKey: string;
  testMode: boolean;
}

export interface RebuiltLedger {
  movements: LedgerRow[];
  trialMarks: TrialMarkRow[];
  /** Events whose snapshot could not be read; a rebuild with any refuses to write. */
  unreadable: { eventId: string; eventKey: string; problem: string }[];
}

interface EventRow {
  id: string;
  key: string;
  subscription_id: string;
  customer_id: string | null;
  data: Record<string, unknown>;
  occurred_ms: string;
  recorded_ms: string;
  /** From the subscriptions read model, for events that do not name their customer. */
  read_model_customer_id: string | null;
}

/** `<subscription>:<n>`: the producer's sequence, which orders events recorded in the same instant. */
function keySequence(key: string): number | null {
  const match = /:(\d+)$/.exec(key);
  return match ? Number(match[1]) : null;
}

function instantOf(event: EventRow): string {
  return typeof event.data.at === 'string'
    ? toUtcIso(event.data.at)
    : new Date(Number(event.occurred_ms)).toISOString();
}

/** A subscription's events in the order they happened: instant, then recording, then the producer's sequence. */
function inEventOrder(a: EventRow & { at: string }, b: EventRow & { at: string }): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  const recorded = Number(a.recorded_ms) - Number(b.recorded_ms);
  if (recorded !== 0) return recorded;
  const [sa, sb] = [keySequence(a.key), keySequence(b.key)];
  if (sa !== null && sb !== null && sa !== sb) return sa - sb;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Recomputes the ledger from the domain events, per subscription in event order, through the same functions the
 * recorder uses (`subscriptionMrr`, `nextLedgerStep`, `trialTransition`). Reads only; see `rebuildMrrLedger`.
 */
export async function computeLedgerFromEvents(em: EntityManager): Promise<RebuiltLedger> {
  const events = await em.execute<EventRow[]>(
    `select e.id, e.key, e.subscription_id, e.customer_id, e.data, ${epochMs('e.occurred_at')} as occurred_ms,
            ${epochMs('e.recorded_at')} as recorded_ms, s.customer_id as read_model_customer_id
       from events e left join subscriptions s on s.id = e.subscription_id
      where e.subscription_id is not null and e.data -> 'subscription' is not null`,
  );
  const bySubscription = new Map<string, (EventRow & { at: string })[]>();
  for (const event of events) {
    const list = bySubscription.get(event.subscription_id) ?? [];
    list.push({ ...event, at: instantOf(event) });
    bySubscription.set(event.subscription_id, list);
  }
  const rebuilt: RebuiltLedger = { movements: [], trialMarks: [], unreadable: [] };
  for (const [subscriptionId, list] of [...bySubscription].sort(([a], [b]) => (a < b ? -1 : 1))) {
    list.sort(inEventOrder);
    let tip: { sequence: number; mrrAfter: number } | null = null;
    let currency: string | null = null;
    const marked = new Set<string>();
    for (const event of list) {
      let read: EventSnapshot | null;
      let mrr: number;
      try {
        read = snapshotOfEvent(event.data);
        if (!read) continue;
        if (currency !== null && read.snapshot.currency !== currency) {
          throw new Error(`currency changed from ${currency} to ${read.snapshot.currency}`);
        }
        mrr = subscriptionMrr(read.snapshot);
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        rebuilt.unreadable.push({ eventId: event.id, eventKey: event.key, problem });
        continue;
      }
      currency = read.snapshot.currency;
      const customerId = event.customer_id ?? event.read_model_customer_id;
      if (!customerId) {
        rebuilt.unreadable.push({ eventId: event.id, eventKey: event.key, problem: 'no customer id' });
        continue;
      }
      const common = {
        subscriptionId,
        customerId,
        currency,
        occurredAt: event.at,
        eventKey: event.key,
        testMode: read.snapshot.testMode,
      };
      const step = nextLedgerStep(tip, mrr);
      if (step) {
        rebuilt.movements.push({ ...common, ...step });
        tip = step;
      }
      const trial = trialTransition(read.previousStatus, read.snapshot.status);
      for (const kind of ['started', 'converted'] as const) {
        const flagged = kind === 'started' ? trial.trialStarted : trial.trialConverted;
        if (!flagged || marked.has(kind)) continue;
        marked.add(kind);
        rebuilt.trialMarks.push({ ...common, kind });
      }
    }
  }
  return rebuilt;
}

/** The ledger as recorded, in the comparison form, ordered as the rebuild orders it. */
export async function recordedLedger(
  em: EntityManager,
): Promise<{ movements: LedgerRow[]; trialMarks: TrialMarkRow[] }> {
  const movements = await em.execute<
    {
      subscription_id: string;
      customer_id: string;
      sequence: number;
      kind: LedgerRow['kind'];
      currency: string;
      mrr_before: string;
      mrr_after: string;
      delta: string;
      occurred_ms: string;
      event_key: string;
      test_mode: boolean;
    }[]
  >(
    `select subscription_id, customer_id, sequence, kind, currency, mrr_before, mrr_after, delta,
            ${epochMs('occurred_at')} as occurred_ms, event_key, test_mode
       from mrr_movements order by subscription_id, sequence`,
  );
  const marks = await em.execute<
    {
      subscription_id: string;
      customer_id: string;
      kind: TrialMarkRow['kind'];
      currency: string;
      occurred_ms: string;
      event_key: string;
      test_mode: boolean;
    }[]
  >(
    `select subscription_id, customer_id, kind, currency, ${epochMs('occurred_at')} as occurred_ms, event_key,
            test_mode
       from trial_marks order by subscription_id, case kind when 'started' then 0 else 1 end`,
  );
  return {
    movements: movements.map((row) => ({
      subscriptionId: row.subscription_id,
      customerId: row.customer_id,
      sequence: row.sequence,
      kind: row.kind,
      currency: row.currency,
      mrrBefore: Number(row.mrr_before),
      mrrAfter: Number(row.mrr_after),
      delta: Number(row.delta),
      occurredAt: new Date(Number(row.occurred_ms)).toISOString(),
      eventKey: row.event_key,
      testMode: row.test_mode,
    })),
    trialMarks: marks.map((row) => ({
      subscriptionId: row.subscription_id,
      customerId: row.customer_id,
      kind: row.kind,
      currency: row.currency,
      occurredAt: new Date(Number(row.occurred_ms)).toISOString(),
      eventKey: row.event_key,
      testMode: row.test_mode,
    })),
  };
}

export interface LedgerDifference {
  table: 'mrr_movements' | 'trial_marks';
  key: string;
  recorded: LedgerRow | TrialMarkRow | null;
  rebuilt: LedgerRow | TrialMarkRow | null;
}

/** JSON with sorted keys, so that two rows built in a different property order compare equal. */
function canonical(row: object | null): string {
  if (row === null) return 'null';
  return JSON.stringify(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function differences<T extends LedgerRow | TrialMarkRow>(
  table: LedgerDifference['table'],
  recorded: readonly T[],
  rebuilt: readonly T[],
  keyOf: (row: T) => string,
): LedgerDifference[] {
  const before = new Map(recorded.map((row) => [keyOf(row), row]));
  const after = new Map(rebuilt.map((row) => [keyOf(row), row]));
  const found: LedgerDifference[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const [a, b] = [before.get(key) ?? null, after.get(key) ?? null];
    if (canonical(a) !== canonical(b)) found.push({ table, key, recorded: a, rebuilt: b });
  }
  return found;
}

/** Where the recorded ledger and the one rebuilt from the events disagree; empty when they are equal. */
export function compareLedgers(
  recorded: { movements: LedgerRow[]; trialMarks: TrialMarkRow[] },
  rebuilt: { movements: LedgerRow[]; trialMarks: TrialMarkRow[] },
): LedgerDifference[] {
  return [
    ...differences('mrr_movements', recorded.movements, rebuilt.movements, (row) => row.eventKey),
    ...differences(
      'trial_marks',
      recorded.trialMarks,
      rebuilt.trialMarks,
      (row) => `${row.subscriptionId}:${row.kind}`,
    ),
  ];
}

const INSERT_BATCH = 500;

/**
 * `npm run analytics:rebuild`: recomputes the ledger from the events and compares it with the recorded one; with
 * `apply`, replaces the recorded ledger by the rebuilt one in one transaction (readers see the old or the new
 * ledger, never a mix). Refuses to write while any event's snapshot is unreadable.
 */
export async function rebuildMrrLedger(
  em: EntityManager,
  options: { apply: boolean },
): Promise<{ rebuilt: RebuiltLedger; differences: LedgerDifference[] }> {
  return em.transactional(async (tx) => {
    // Recording waits for the rebuild, so a change committed meanwhile is neither lost nor counted twice.
    if (options.apply) await tx.execute('lock table mrr_movements, trial_marks in exclusive mode');
    const rebuilt = await computeLedgerFromEvents(tx);
    const found = compareLedgers(await recordedLedger(tx), rebuilt);
    if (!options.apply) return { rebuilt, differences: found };
    if (rebuilt.unreadable.length > 0) {
      throw new StoreError(
        'invalid_state',
        `${rebuilt.unreadable.length} event(s) have unreadable snapshots, first ${rebuilt.unreadable[0]?.eventKey}`,
      );
    }
    await tx.execute('delete from mrr_movements');
    await tx.execute('delete from trial_marks');
    for (let i = 0; i < rebuilt.movements.length; i += INSERT_BATCH) {
      const batch = rebuilt.movements.slice(i, i + INSERT_BATCH);
      await tx.execute(
        `insert into mrr_movements (id, subscription_id, customer_id, sequence, kind, currency, mrr_before,
           mrr_after, delta, occurred_at, event_key, test_mode) values ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        batch.flatMap((row) => [
          newId('mrrm'),
          row.subscriptionId,
          row.customerId,
          row.sequence,
          row.kind,
          row.currency,
          row.mrrBefore,
          row.mrrAfter,
          row.delta,
          new Date(row.occurredAt),
          row.eventKey,
          row.testMode,
        ]),
      );
    }
    for (let i = 0; i < rebuilt.trialMarks.length; i += INSERT_BATCH) {
      const batch = rebuilt.trialMarks.slice(i, i + INSERT_BATCH);
      await tx.execute(
        `insert into trial_marks (id, subscription_id, customer_id, kind, currency, occurred_at, event_key,
           test_mode) values ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        batch.flatMap((row) => [
          newId('trm'),
          row.subscriptionId,
          row.customerId,
          row.kind,
          row.currency,
          new Date(row.occurredAt),
          row.eventKey,
          row.testMode,
        ]),
      );
    }
    return { rebuilt, differences: found };
  });
}
