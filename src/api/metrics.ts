import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Orm } from '../db/orm.config';

/** A scrape never waits longer than this on PostgreSQL; a slow or absent database leaves the last figures. */
export const BUSINESS_QUERY_TIMEOUT_MS = 2000;

interface BusinessRow {
  metric: string;
  a: string;
  b: string;
  value: string;
}

/**
 * The business figures as counts of durable rows. Workers run in any number of processes and expose nothing,
 * so the rows they write are the only complete record: every figure is a count of append-only (or
 * only-forward) rows, which keeps the counters monotonic across restarts of any process.
 */
const BUSINESS_SQL = `
  select 'invoices' as metric, billing_reason as a, '' as b, count(*)::text as value
    from invoices group by billing_reason
  union all
  select 'renewals', '', '', count(*)::text
    from invoices where billing_reason = 'subscription_cycle' and period_index > 0
  union all
  select 'charges', status, '', count(*)::text
    from payment_attempts where status <> 'pending' group by status
  union all
  select 'charged', currency, '', sum(amount)::text
    from payment_attempts where status = 'succeeded' group by currency
  union all
  select 'recoveries', '', '', count(*)::text
    from events where type = 'subscription.recovered'
  union all
  select 'emails', kind, status, count(*)::text
    from email_messages where status <> 'pending' group by kind, status
  union all
  select 'outbox', '', '', count(*)::text
    from email_messages where status = 'pending'
  union all
  select 'attention', '', '', count(*)::text
    from subscriptions where attention_code is not null
  union all
  select 'webhook_attempts', status, '', count(*)::text
    from webhook_delivery_attempts group by status`;

/**
 * Counters computed at scrape time. One query serves every business metric of a scrape (prom-client collects
 * the metrics concurrently, so they share the query in flight), and it runs under a statement timeout.
 */
function businessMetrics(orm: Orm, registry: Registry) {
  let inFlight: Promise<BusinessRow[] | null> | null = null;
  const load = () =>
    (inFlight ??= orm.em
      .fork()
      .transactional(async (em) => {
        await em.execute(`set local statement_timeout = ${BUSINESS_QUERY_TIMEOUT_MS}`);
        return em.execute<BusinessRow[]>(BUSINESS_SQL);
      })
      .catch(() => null)
      .finally(() => {
        inFlight = null;
      }));

  const up = new Gauge({
    name: 'perennial_business_metrics_up',
    help: '1 if the last scrape read the business figures from PostgreSQL, 0 if the query failed or timed out',
    registers: [registry],
    async collect() {
      this.set((await load()) ? 1 : 0);
    },
  });

  /** A counter whose value is the count of rows; on a failed query it keeps the figures of the last scrape. */
  const fromRows = <L extends string>(
    name: string,
    help: string,
    metric: string,
    labels: (row: BusinessRow) => Record<L, string>,
    labelNames: readonly L[],
  ) =>
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const rows = await load();
        if (!rows) return;
        this.reset();
        for (const row of rows) {
          if (row.metric !== metric) continue;
          const value = Number(row.value);
          if (labelNames.length === 0) this.inc(value);
          else this.inc(labels(row), value);
        }
      },
    });

  fromRows(
    'perennial_invoices_total',
    'Invoices issued, by billing reason',
    'invoices',
    (row) => ({ billing_reason: row.a }),
    ['billing_reason'],
  );
  fromRows(
    'perennial_renewals_total',
    'Subscription periods after the first that were invoiced (renewals)',
    'renewals',
    () => ({}),
    [],
  );
  fromRows(
    'perennial_charges_total',
    'Completed charge attempts at the payment gateway, by outcome',
    'charges',
    (row) => ({ outcome: row.a }),
    ['outcome'],
  );
  fromRows(
    'perennial_charged_amount_minor_total',
    'Sum of successful charges in the minor unit of their currency',
    'charged',
    (row) => ({ currency: row.a }),
    ['currency'],
  );
  fromRows(
    'perennial_dunning_recoveries_total',
    'Subscriptions that became active again by paying an overdue invoice (past_due or incomplete)',
    'recoveries',
    () => ({}),
    [],
  );
  fromRows(
    'perennial_emails_total',
    'Emails that left the outbox, by kind and final status (sent once the SMTP server took it)',
    'emails',
    (row) => ({ kind: row.a, status: row.b }),
    ['kind', 'status'],
  );
  // Pending rows turn into sent ones, so their number goes down as well as up: a gauge, not part of a counter.
  new Gauge({
    name: 'perennial_email_outbox_pending',
    help: 'Emails written to the outbox and not yet accepted by the SMTP server',
    registers: [registry],
    async collect() {
      const rows = await load();
      if (!rows) return;
      this.set(Number(rows.find((row) => row.metric === 'outbox')?.value ?? 0));
    },
  });
  // A subscription leaves this state when an operator fixes its data and retries it.
  new Gauge({
    name: 'perennial_subscriptions_needing_attention',
    help: 'Subscriptions stopped on data no retry can fix, waiting for an operator (POST .../retry)',
    registers: [registry],
    async collect() {
      const rows = await load();
      if (!rows) return;
      this.set(Number(rows.find((row) => row.metric === 'attention')?.value ?? 0));
    },
  });
  fromRows(
    'perennial_webhook_delivery_attempts_total',
    'HTTP attempts to deliver webhooks to endpoints, by outcome',
    'webhook_attempts',
    (row) => ({ outcome: row.a }),
    ['outcome'],
  );
  return up;
}

/** One registry per app instance, so tests that build several apps never collide on metric names. */
export function createMetrics(orm: Orm) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'perennial_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  businessMetrics(orm, registry);

  const observe: RequestHandler = (req, res, next) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw path: ids would explode the label set.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  const handler: RequestHandler = async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  };
  /** `GET /metrics` without a key, for a listener of its own on an internal address (`METRICS_BIND`). */
  const router: Router = createRouter();
  router.get('/metrics', handler);

  return { registry, observe, handler, router };
}

export type Metrics = ReturnType<typeof createMetrics>;
