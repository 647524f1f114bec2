import type { EntityManager } from '@mikro-orm/postgresql';
import { isKnownCurrency } from '../../domain/money';
import { nextLedgerStep, type LedgerTip } from '../../domain/mrr';
import { newId } from '../ids';
import { StoreError } from './errors';
import { toDate } from './instants';

export interface MrrChange {
  subscriptionId: string;
  customerId: string;
  currency: string;
  /** The MRR before the change as the caller computed it; the ledger starts from its own last value instead. */
  before: number;
  /** `subscriptionMrr` of the subscription after the change. */
  after: number;
  /** The instant of the change (the test clock's under a test clock), ISO 8601 with offset. */
  at: string;
  /** The key of the domain event that records the change: one movement per event, however often it is retried. */
  eventKey: string;
  testMode: boolean;
  trialStarted?: boolean;
  trialConverted?: boolean;
}

/** Two-key advisory locks: this namespace, and a hash of the subscription id. */
const LEDGER_LOCK_NAMESPACE = 0x4d5252;

function assertChange(change: MrrChange): void {
  for (const [name, value] of [
    ['before', change.before],
    ['after', change.after],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new StoreError('invalid_input', `MRR ${name} must be a non-negative safe integer, got ${value}`);
    }
  }
  if (!isKnownCurrency(change.currency)) {
    throw new StoreError('invalid_input', `Unknown currency ${change.currency}`);
  }
  if (!change.eventKey || !change.subscriptionId || !change.customerId) {
    throw new StoreError('invalid_input', 'An MRR change needs a subscription, a customer and an event key');
  }
}

async function ledgerTip(
  em: EntityManager,
  subscriptionId: string,
): Promise<(LedgerTip & { currency: string }) | null> {
  const rows = await em.execute<{ sequence: number; mrr_after: string; currency: string }[]>(
    `select sequence, mrr_after, currency from mrr_movements where subscription_id = ?
     order by sequence desc limit 1`,
    [subscriptionId],
  );
  const row = rows[0];
  return row ? { sequence: row.sequence, mrrAfter: Number(row.mrr_after), currency: row.currency } : null;
}

/**
 * Records what a change did to one subscription's MRR: a movement in the ledger when the MRR changed, and the
 * trial start or conversion it marks. Called inside the transaction that records the causing domain event, so
 * the two commit together; idempotent by `eventKey` (a retried commit records nothing twice), and serialised per
 * subscription so that its movements chain even if two changes of it ever commit at once.
 */
export async function recordMrrChange(em: EntityManager, change: MrrChange): Promise<void> {
  assertChange(change);
  const at = toDate(change.at);
  // Inside the caller's transaction as it is (a savepoint would cost two statements a commit and change nothing: a
  // failure here fails that transaction); its own transaction otherwise, as the advisory lock needs one.
  const inTransaction = (work: (tx: EntityManager) => Promise<void>) =>
    em.isInTransaction() ? work(em) : em.transactional(work);
  await inTransaction(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(?, hashtext(?))`, [
      LEDGER_LOCK_NAMESPACE,
      change.subscriptionId,
    ]);
    const recorded = await tx.execute<{ one: number }[]>(
      `select 1 as one from mrr_movements where event_key = ?`,
      [change.eventKey],
    );
    if (recorded.length === 0) {
      const tip = await ledgerTip(tx, change.subscriptionId);
      if (tip && tip.currency !== change.currency) {
        throw new StoreError(
          'currency_mismatch',
          `Subscription ${change.subscriptionId} is in ${tip.currency}, not ${change.currency}`,
        );
      }
      const step = nextLedgerStep(tip, change.after);
      if (step) {
        await tx.execute(
          `insert into mrr_movements (id, subscription_id, customer_id, sequence, kind, currency, mrr_before,
             mrr_after, delta, occurred_at, event_key, test_mode)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            newId('mrrm'),
            change.subscriptionId,
            change.customerId,
            step.sequence,
            step.kind,
            change.currency,
            step.mrrBefore,
            step.mrrAfter,
            step.delta,
            at,
            change.eventKey,
            change.testMode,
          ],
        );
      }
    }
    const marks = [
      ...(change.trialStarted ? (['started'] as const) : []),
      ...(change.trialConverted ? (['converted'] as const) : []),
    ];
    for (const kind of marks) {
      await tx.execute(
        `insert into trial_marks (id, subscription_id, customer_id, kind, currency, occurred_at, event_key, test_mode)
         values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (subscription_id, kind) do nothing`,
        [
          newId('trm'),
          change.subscriptionId,
          change.customerId,
          kind,
          change.currency,
          at,
          change.eventKey,
          change.testMode,
        ],
      );
    }
  });
}
