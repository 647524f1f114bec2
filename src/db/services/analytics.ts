import type { EntityManager } from '@mikro-orm/postgresql';
import type { MrrMovementKind } from '../../domain/mrr';
import { parsePositiveDecimal } from '../../domain/ratios';
import type { DunningOutcome, FigureInputs, LedgerMovement, TrialMark } from '../../domain/revenue-figures';
import { AnalyticsSettings } from '../entities';
import { StoreError } from './errors';
import { epochMs } from './instants';

export interface AnalyticsSettingsValue {
  grossMarginBasisPoints: number;
  reportingCurrency: string | null;
  exchangeRates: Record<string, string>;
  updatedAt: Date | null;
}

/** The seller's analytics settings, or the defaults (100 % margin, no reporting currency) before any were put. */
export async function findAnalyticsSettings(em: EntityManager): Promise<AnalyticsSettingsValue> {
  const row = await em.findOne(AnalyticsSettings, 1);
  return {
    grossMarginBasisPoints: row?.grossMarginBasisPoints ?? 10_000,
    reportingCurrency: row?.reportingCurrency ?? null,
    exchangeRates: row?.exchangeRates ?? {},
    updatedAt: row?.updatedAt ?? null,
  };
}

/** Replaces the settings row. Rates need a reporting currency, and never name the reporting currency itself. */
export async function putAnalyticsSettings(
  em: EntityManager,
  input: Omit<AnalyticsSettingsValue, 'updatedAt'>,
): Promise<AnalyticsSettingsValue> {
  const currencies = Object.keys(input.exchangeRates);
  if (currencies.length > 0 && input.reportingCurrency === null) {
    throw new StoreError('invalid_input', 'Exchange rates need a reporting currency to convert into');
  }
  if (input.reportingCurrency !== null && currencies.includes(input.reportingCurrency)) {
    throw new StoreError('invalid_input', 'The reporting currency needs no rate to itself');
  }
  for (const rate of Object.values(input.exchangeRates)) parsePositiveDecimal(rate);
  const row = await em.upsert(AnalyticsSettings, {
    id: 1,
    grossMarginBasisPoints: input.grossMarginBasisPoints,
    reportingCurrency: input.reportingCurrency,
    exchangeRates: input.exchangeRates,
    updatedAt: new Date(),
  });
  await em.refreshOrFail(row);
  return findAnalyticsSettings(em);
}

export interface LedgerScope {
  /** Everything recorded before this instant (the report's end): earlier movements make up the MRR at its start. */
  before: Date;
  includeTestMode: boolean;
  /** Only this currency; all of them when absent. */
  currency?: string;
}

function scopeSql(scope: LedgerScope, alias: string, testModeColumn: string) {
  return {
    sql:
      `${alias}.occurred_at < ?` +
      (scope.includeTestMode ? '' : ` and not ${testModeColumn}`) +
      (scope.currency ? ` and ${alias}.currency = ?` : ''),
    params: [scope.before, ...(scope.currency ? [scope.currency] : [])],
  };
}

/**
 * What the revenue figures are computed from: the ledger and the trial marks, and the dunning episodes that ended
 * (an invoice with a failed charge that was paid after all, or marked uncollectible). Test-mode rows (test-clock
 * subscriptions; for invoices, customers on a test clock) stay out unless asked for.
 */
export async function loadFigureInputs(em: EntityManager, scope: LedgerScope): Promise<FigureInputs> {
  const movementScope = scopeSql(scope, 'm', 'm.test_mode');
  const movements = await em.execute<
    {
      subscription_id: string;
      customer_id: string;
      currency: string;
      kind: MrrMovementKind;
      mrr_before: string;
      mrr_after: string;
      occurred_ms: string;
      sequence: number;
    }[]
  >(
    `select m.subscription_id, m.customer_id, m.currency, m.kind, m.mrr_before, m.mrr_after,
            ${epochMs('m.occurred_at')} as occurred_ms, m.sequence
       from mrr_movements m where ${movementScope.sql}`,
    movementScope.params,
  );
  const trialScope = scopeSql(scope, 't', 't.test_mode');
  const trials = await em.execute<
    { subscription_id: string; currency: string; kind: TrialMark['kind']; occurred_ms: string }[]
  >(
    `select t.subscription_id, t.currency, t.kind, ${epochMs('t.occurred_at')} as occurred_ms
       from trial_marks t where ${trialScope.sql}`,
    trialScope.params,
  );
  const dunning = await em.execute<
    { currency: string; status: 'paid' | 'uncollectible'; amount_paid: string; resolved_ms: string }[]
  >(
    `select i.currency, i.status, i.amount_paid,
            ${epochMs("case when i.status = 'paid' then i.paid_at else i.marked_uncollectible_at end")}
              as resolved_ms
       from invoices i join customers c on c.id = i.customer_id
      where i.status in ('paid', 'uncollectible')
        and case when i.status = 'paid' then i.paid_at else i.marked_uncollectible_at end < ?
        and exists (select 1 from payment_attempts a where a.invoice_id = i.id and a.status = 'failed')
        ${scope.includeTestMode ? '' : 'and c.test_clock_id is null'}
        ${scope.currency ? 'and i.currency = ?' : ''}`,
    [scope.before, ...(scope.currency ? [scope.currency] : [])],
  );
  return {
    movements: movements.map<LedgerMovement>((row) => ({
      subscriptionId: row.subscription_id,
      customerId: row.customer_id,
      currency: row.currency,
      kind: row.kind,
      mrrBefore: Number(row.mrr_before),
      mrrAfter: Number(row.mrr_after),
      counts: Number(row.mrr_after) > 0,
      atMs: Number(row.occurred_ms),
      sequence: row.sequence,
    })),
    trials: trials.map<TrialMark>((row) => ({
      subscriptionId: row.subscription_id,
      currency: row.currency,
      kind: row.kind,
      atMs: Number(row.occurred_ms),
    })),
    dunning: dunning.map<DunningOutcome>((row) => ({
      currency: row.currency,
      outcome: row.status === 'paid' ? 'recovered' : 'lost',
      resolvedAtMs: Number(row.resolved_ms),
      recoveredAmount: row.status === 'paid' ? Number(row.amount_paid) : 0,
    })),
  };
}
