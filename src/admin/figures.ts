import type { z } from 'zod';
import type { revenueReportSchema } from '../api/schemas/analytics';
import type { Orm } from '../db/orm.config';

export type RevenueReport = z.output<typeof revenueReportSchema>;

/** One calendar month of one currency, minor units, as the analytics API's revenue report answers it. */
export interface RevenueMonth {
  /** `YYYY-MM`, the month of the seller's time zone. */
  period: string;
  /** MRR at the end of the month (for the current month: now). */
  mrr: number;
  new: number;
  expansion: number;
  reactivation: number;
  /** Negative, as the report has them. */
  contraction: number;
  churn: number;
}

export interface RevenueSeries {
  currency: string;
  /** Oldest first; the last is the current month. */
  months: RevenueMonth[];
}

export interface DashboardFigures {
  /** Subscriptions by status, test clocks excluded. */
  counts: Record<string, number>;
  /** Per currency, minor units; ordered by currency code. */
  mrr: { currency: string; amount: number }[];
  /** The charts: per currency, the months of the report. */
  revenue: RevenueSeries[];
}

/** How many months the dashboard's charts show, the current one included. */
export const CHART_MONTHS = 12;

/** `from` and `to` of the revenue report behind the charts: the first day of 11 months ago up to today. */
export function chartRange(today: { year: number; month: number; day: number }): {
  from: string;
  to: string;
} {
  const index = today.year * 12 + (today.month - 1) - (CHART_MONTHS - 1);
  const pad = (value: number) => String(value).padStart(2, '0');
  return {
    from: `${Math.floor(index / 12)}-${pad((index % 12) + 1)}-01`,
    to: `${today.year}-${pad(today.month)}-${pad(today.day)}`,
  };
}

/**
 * The report's rows grouped by currency, months in order; a currency with nothing in any month (a ledger that
 * ended before the charts begin) is left out.
 */
export function revenueSeriesOf(report: Pick<RevenueReport, 'data'>): RevenueSeries[] {
  const byCurrency = new Map<string, RevenueMonth[]>();
  for (const row of report.data) {
    const months = byCurrency.get(row.currency) ?? [];
    months.push({
      period: row.period,
      mrr: row.mrr,
      new: row.new_mrr,
      expansion: row.expansion_mrr,
      reactivation: row.reactivation_mrr,
      contraction: row.contraction_mrr,
      churn: row.churn_mrr,
    });
    byCurrency.set(row.currency, months);
  }
  return [...byCurrency.entries()]
    .map(([currency, months]) => ({
      currency,
      months: months.sort((a, b) => a.period.localeCompare(b.period)),
    }))
    .filter((series) =>
      series.months.some((m) =>
        [m.mrr, m.new, m.expansion, m.reactivation, m.contraction, m.churn].some(Boolean),
      ),
    )
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

/** MRR per currency now: the current month's end as far as the ledger goes (nothing is recorded ahead of now). */
export function mrrOf(series: RevenueSeries[]): DashboardFigures['mrr'] {
  return series
    .map((s) => ({ currency: s.currency, amount: s.months[s.months.length - 1]?.mrr ?? 0 }))
    .filter((row) => row.amount !== 0);
}

/** Subscriptions by status, aggregated in SQL (bounded by the number of statuses), test clocks excluded. */
export async function subscriptionCounts(orm: Orm): Promise<DashboardFigures['counts']> {
  const em = orm.em.fork();
  const connection = em.getConnection();
  const counts = await connection.execute<{ status: string; count: string }[]>(
    `select s.status, count(*) as count from subscriptions s join customers c on c.id = s.customer_id
     where c.test_clock_id is null group by s.status`,
  );
  return Object.fromEntries(counts.map((row) => [row.status, Number(row.count)]));
}
