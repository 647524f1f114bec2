import type { Orm } from '../db/orm.config';

export interface DashboardFigures {
  /** Subscriptions by status, test clocks excluded. */
  counts: Record<string, number>;
  /** Per currency, minor units; ordered by currency code. */
  mrr: { currency: string; amount: number }[];
}

/** MRR per currency from the analytics API's revenue report (one row per currency for the one day asked). */
export function mrrOf(report: { data: { currency: string; mrr: number }[] }): DashboardFigures['mrr'] {
  return report.data
    .map((row) => ({ currency: row.currency, amount: row.mrr }))
    .filter((row) => row.amount !== 0)
    .sort((a, b) => a.currency.localeCompare(b.currency));
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
