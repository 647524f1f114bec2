import { PlanPrice } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { money, multiplyByRatio } from '../domain/money';
import { priceAmount } from '../domain/pricing';

export interface DashboardFigures {
  /** Subscriptions by status, test clocks excluded. */
  counts: Record<string, number>;
  /** Per currency, minor units; ordered by currency code. */
  mrr: { currency: string; amount: number }[];
}

/** A period's amount as a month's: year ÷ 12, week × 52 ÷ 12, day × 365 ÷ 12, each over the interval count. */
const MONTHLY: Record<string, [number, number]> = {
  month: [1, 1],
  year: [1, 12],
  week: [52, 12],
  day: [365, 12],
};

/**
 * The dashboard's figures, until the analytics API (`/v1/analytics`, issue 14) serves them: subscriptions by status
 * and MRR. Both are aggregated in SQL by plan, currency and quantity, so the work is bounded by the shape of the
 * catalogue, never by the number of subscriptions. MRR counts active and past-due subscriptions at their plan's
 * price, before tax and discounts, rounded half away from zero once per group.
 */
export async function dashboardFigures(orm: Orm): Promise<DashboardFigures> {
  const em = orm.em.fork();
  const connection = em.getConnection();
  const counts = await connection.execute<{ status: string; count: string }[]>(
    `select s.status, count(*) as count from subscriptions s join customers c on c.id = s.customer_id
     where c.test_clock_id is null group by s.status`,
  );
  const groups = await connection.execute<
    {
      plan_id: string;
      currency: string;
      quantity: number;
      interval_unit: string;
      interval_count: number;
      count: string;
    }[]
  >(
    `select s.plan_id, s.currency, s.quantity, p.interval_unit, p.interval_count, count(*) as count
     from subscriptions s join customers c on c.id = s.customer_id join plans p on p.id = s.plan_id
     where c.test_clock_id is null and s.status in ('active', 'past_due')
     group by s.plan_id, s.currency, s.quantity, p.interval_unit, p.interval_count`,
  );
  const prices = await em.find(PlanPrice, { plan: { $in: [...new Set(groups.map((g) => g.plan_id))] } });
  const mrr = new Map<string, number>();
  for (const group of groups) {
    const price = prices.find((p) => p.plan.id === group.plan_id && p.currency === group.currency);
    const [numerator, denominator] = MONTHLY[group.interval_unit] ?? [1, 1];
    if (!price) continue;
    const period = priceAmount({ currency: price.currency, scheme: price.scheme }, group.quantity);
    const total = money(period.amount * Number(group.count), group.currency);
    const monthly = multiplyByRatio(total, numerator, denominator * group.interval_count);
    mrr.set(group.currency, (mrr.get(group.currency) ?? 0) + monthly.amount);
  }
  return {
    counts: Object.fromEntries(counts.map((row) => [row.status, Number(row.count)])),
    mrr: [...mrr.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, amount]) => ({ currency, amount })),
  };
}
