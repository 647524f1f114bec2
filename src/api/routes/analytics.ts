import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Router } from 'express';
import { DateTime } from 'luxon';
import { MrrMovement } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import {
  findAnalyticsSettings,
  loadFigureInputs,
  putAnalyticsSettings,
  type AnalyticsSettingsValue,
} from '../../db/services/analytics';
import { findSellerSettings } from '../../db/services/seller-settings';
import { reportBuckets } from '../../domain/report-periods';
import {
  computeCohorts,
  computeRevenueFigures,
  inReportingCurrency,
  type FigureInputs,
} from '../../domain/revenue-figures';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import {
  analyticsSettingsSchema,
  COHORT_COLUMNS,
  cohortReportQuerySchema,
  cohortReportSchema,
  listMrrMovementsQuerySchema,
  MRR_MOVEMENT_COLUMNS,
  mrrMovementListSchema,
  putAnalyticsSettingsSchema,
  REVENUE_COLUMNS,
  revenueReportQuerySchema,
  revenueReportSchema,
} from '../schemas/analytics';

const TAG = 'Analytics';

async function sellerTimeZone(em: EntityManager): Promise<string> {
  return (await findSellerSettings(em))?.timeZone ?? 'UTC';
}

/** The figure inputs of the report's scope, in the reporting currency when asked for. */
async function scopedInputs(
  em: EntityManager,
  query: { currency?: string; include_test_mode?: boolean; in_reporting_currency?: boolean },
  before: number,
  settings: AnalyticsSettingsValue,
) {
  const convert = query.in_reporting_currency === true;
  if (convert && query.currency !== undefined) {
    throw new AppError(
      'invalid_request_error',
      'invalid_parameter',
      'currency: a report in the reporting currency covers every currency it has a rate for',
      'currency',
    );
  }
  if (convert && settings.reportingCurrency === null) {
    throw new AppError(
      'unprocessable',
      'no_reporting_currency',
      'in_reporting_currency: set a reporting currency and exchange rates with PUT /v1/analytics/settings first',
      'in_reporting_currency',
    );
  }
  const inputs: FigureInputs = await loadFigureInputs(em, {
    before: new Date(before),
    includeTestMode: query.include_test_mode === true,
    ...(query.currency ? { currency: query.currency } : {}),
  });
  if (!convert || settings.reportingCurrency === null) {
    return { inputs, reportingCurrency: null, exchangeRates: {}, unconverted: [] as string[] };
  }
  const converted = inReportingCurrency(inputs, {
    currency: settings.reportingCurrency,
    rates: settings.exchangeRates,
  });
  return {
    inputs: converted.inputs,
    reportingCurrency: settings.reportingCurrency,
    exchangeRates: settings.exchangeRates,
    unconverted: converted.unconverted,
  };
}

function serializeSettings(settings: AnalyticsSettingsValue) {
  return {
    object: 'analytics_settings' as const,
    gross_margin_basis_points: settings.grossMarginBasisPoints,
    reporting_currency: settings.reportingCurrency,
    exchange_rates: settings.exchangeRates,
    updated_at: settings.updatedAt?.toISOString() ?? null,
  };
}

/**
 * Revenue figures for finance: computed from the MRR ledger (and, for dunning, from invoices and their charges),
 * never from the live workflows. Definitions with formulas and worked examples: docs/analytics.md.
 */
export function analyticsRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/analytics/revenue',
      operationId: 'getRevenueReport',
      summary: 'MRR, its movements, churn, retention, ARPU, LTV, trials and dunning by day, week or month',
      description:
        'One row per currency and bucket (whole days, ISO weeks or calendar months of the seller’s time zone ' +
        'that hold any day of [from, to]). Amounts are integers in minor units of the row’s currency; rates are ' +
        'decimal strings with 4 places, null where their denominator is 0. Test-mode data is left out unless ' +
        '`include_test_mode=true`. Answers CSV with `Accept: text/csv`. Definitions: docs/analytics.md.',
      tag: TAG,
      query: revenueReportQuerySchema,
      response: revenueReportSchema,
      errors: [400, 422],
      csv: { filename: 'revenue', columns: REVENUE_COLUMNS, records: (body) => body.data },
    },
    async ({ query }) => {
      const em = orm.em.fork();
      const timeZone = await sellerTimeZone(em);
      const interval = query.interval ?? 'month';
      const range = reportBuckets(query.from, query.to, interval, timeZone);
      const settings = await findAnalyticsSettings(em);
      const margin = query.gross_margin_basis_points ?? settings.grossMarginBasisPoints;
      const end = range[range.length - 1]!.endMs;
      const scoped = await scopedInputs(em, query, end, settings);
      const figures = computeRevenueFigures(scoped.inputs, {
        buckets: range,
        interval,
        grossMarginBasisPoints: margin,
      });
      return {
        object: 'revenue_report' as const,
        interval,
        from: query.from,
        to: query.to,
        time_zone: timeZone,
        include_test_mode: query.include_test_mode === true,
        gross_margin_basis_points: margin,
        reporting_currency: scoped.reportingCurrency,
        exchange_rates: scoped.exchangeRates,
        unconverted_currencies: scoped.unconverted,
        data: figures.flatMap(({ currency, buckets: rows }) =>
          rows.map((row) => ({
            currency,
            period: row.label,
            period_start: row.start,
            period_end: row.end,
            mrr_start: row.mrrStart,
            mrr: row.mrr,
            arr: row.arr,
            new_mrr: row.movements.new.amount,
            new_count: row.movements.new.count,
            expansion_mrr: row.movements.expansion.amount,
            expansion_count: row.movements.expansion.count,
            contraction_mrr: row.movements.contraction.amount,
            contraction_count: row.movements.contraction.count,
            churn_mrr: row.movements.churn.amount,
            churn_count: row.movements.churn.count,
            reactivation_mrr: row.movements.reactivation.amount,
            reactivation_count: row.movements.reactivation.count,
            net_new_mrr: row.netNewMrr,
            trial_starts: row.trialStarts,
            trial_conversions: row.trialConversions,
            trial_conversion_rate: row.trialConversionRate,
            active_subscriptions: row.activeSubscriptions,
            active_customers: row.activeCustomers,
            customers_at_start: row.customersAtStart,
            churned_customers: row.churnedCustomers,
            logo_churn_rate: row.logoChurnRate,
            revenue_churn_rate: row.revenueChurnRate,
            gross_revenue_retention: row.grossRevenueRetention,
            net_revenue_retention: row.netRevenueRetention,
            arpu: row.arpu,
            ltv: row.ltv,
            dunning_recovered: row.dunningRecovered,
            dunning_lost: row.dunningLost,
            dunning_recovery_rate: row.dunningRecoveryRate,
            dunning_recovered_amount: row.dunningRecoveredAmount,
          })),
        ),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/analytics/cohorts',
      operationId: 'getCohortReport',
      summary:
        'Customers by the month they started paying, and how many of them pay, and how much, months later',
      description:
        'One row per currency, cohort month and month since start, up to the month holding `to`. Answers CSV ' +
        'with `Accept: text/csv`. Definitions: docs/analytics.md.',
      tag: TAG,
      query: cohortReportQuerySchema,
      response: cohortReportSchema,
      errors: [400, 422],
      csv: { filename: 'cohorts', columns: COHORT_COLUMNS, records: (body) => body.data },
    },
    async ({ query }) => {
      const em = orm.em.fork();
      const timeZone = await sellerTimeZone(em);
      const months = reportBuckets(query.from, query.to, 'month', timeZone);
      const firstMonth = months[0]!;
      const lastMonth = months[months.length - 1]!;
      const settings = await findAnalyticsSettings(em);
      const scoped = await scopedInputs(em, query, lastMonth.endMs, settings);
      const cohorts = computeCohorts(scoped.inputs.movements, { firstMonth, lastMonth, timeZone });
      return {
        object: 'cohort_report' as const,
        from: query.from,
        to: query.to,
        time_zone: timeZone,
        include_test_mode: query.include_test_mode === true,
        reporting_currency: scoped.reportingCurrency,
        exchange_rates: scoped.exchangeRates,
        unconverted_currencies: scoped.unconverted,
        data: cohorts.flatMap((cohort) =>
          cohort.cells.map((cell) => ({
            currency: cohort.currency,
            cohort: cohort.month,
            cohort_customers: cohort.customers,
            months_since_start: cell.monthsSinceStart,
            active_customers: cell.activeCustomers,
            mrr: cell.mrr,
            customer_retention: cell.customerRetention,
            mrr_retention: cell.mrrRetention,
          })),
        ),
      };
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/analytics/mrr_movements',
      operationId: 'listMrrMovements',
      summary: 'The MRR ledger: every movement that the figures add up, oldest first',
      description:
        'Each row is one change of one subscription’s MRR, recorded with the domain event that caused it ' +
        '(`event_key`). Answers the same page as CSV with `Accept: text/csv`.',
      tag: TAG,
      query: listMrrMovementsQuerySchema,
      response: mrrMovementListSchema,
      errors: [400],
      csv: { filename: 'mrr-movements', columns: MRR_MOVEMENT_COLUMNS, records: (body) => body.data },
    },
    async ({ query }) => {
      const em = orm.em.fork();
      const timeZone = await sellerTimeZone(em);
      const day = (date: string, param: 'from' | 'to') => {
        const parsed = DateTime.fromISO(date, { zone: timeZone });
        if (!parsed.isValid) {
          throw new AppError(
            'invalid_request_error',
            'invalid_parameter',
            `${param}: not a calendar date`,
            param,
          );
        }
        return parsed;
      };
      const occurredAt = {
        ...(query.from ? { $gte: day(query.from, 'from').toJSDate() } : {}),
        ...(query.to ? { $lt: day(query.to, 'to').plus({ days: 1 }).toJSDate() } : {}),
      };
      const where: FilterQuery<MrrMovement> = {
        ...(query.from || query.to ? { occurredAt } : {}),
        ...(query.currency ? { currency: query.currency } : {}),
        ...(query.subscription_id ? { subscriptionId: query.subscription_id } : {}),
        ...(query.customer_id ? { customerId: query.customer_id } : {}),
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.include_test_mode === true ? {} : { testMode: false }),
      };
      const page = await paginate(em, MrrMovement, where, query, {
        property: 'occurredAt',
        column: 'occurred_at',
      });
      return listBody(page, (movement) => ({
        id: movement.id,
        object: 'mrr_movement' as const,
        subscription_id: movement.subscriptionId,
        customer_id: movement.customerId,
        sequence: movement.sequence,
        kind: movement.kind,
        currency: movement.currency,
        mrr_before: movement.mrrBefore,
        mrr_after: movement.mrrAfter,
        delta: movement.delta,
        occurred_at: movement.occurredAt.toISOString(),
        event_key: movement.eventKey,
        test_mode: movement.testMode,
      }));
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/analytics/settings',
      operationId: 'getAnalyticsSettings',
      summary: 'How figures are reported: gross margin for LTV, reporting currency and exchange rates',
      tag: TAG,
      response: analyticsSettingsSchema,
      errors: [],
    },
    async () => serializeSettings(await findAnalyticsSettings(orm.em.fork())),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'put',
      path: '/analytics/settings',
      operationId: 'putAnalyticsSettings',
      summary: 'Replace the analytics settings',
      description:
        'Replaces the whole object; omitted fields take their defaults (margin 100 %, no reporting currency, no ' +
        'rates). Rates are fixed, exact decimal strings: a currency without one is never converted.',
      tag: TAG,
      body: putAnalyticsSettingsSchema,
      response: analyticsSettingsSchema,
      errors: [400],
    },
    async ({ body }) => {
      return serializeSettings(
        await putAnalyticsSettings(orm.em.fork(), {
          grossMarginBasisPoints: body.gross_margin_basis_points ?? 10_000,
          reportingCurrency: body.reporting_currency ?? null,
          exchangeRates: body.exchange_rates ?? {},
        }),
      );
    },
  );

  return router;
}
