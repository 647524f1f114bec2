import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client as PgClient } from 'pg';
import { Invoice } from '../src/db/entities';
import { lifecycleWorkflowIdFor, testClockAdvancedSignal } from '../src/workflows/lifecycle/messages';
import {
  inBatches,
  machine,
  mb,
  phaseTimeoutMs,
  seedCustomers,
  seedSellerAndPlan,
  startBenchStack,
  startSubscriptions,
  waitForIdleWorker,
  waitUntil,
  writeResult,
} from './stack';

/**
 * Renewal storm: N monthly subscriptions on one test clock, all renewing at the same instant when the clock moves.
 * Measures the time until every renewal invoice is paid, against a plain SQL biller writing the same rows.
 *
 *   npm run bench:renewal-storm -- --n 10000
 */
const { values } = parseArgs({
  options: { n: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '25' } },
});
const N = Number(values.n);
const CONCURRENCY = Number(values.concurrency);
const START = '2027-01-01T00:00:00.000Z';
const RENEWAL = '2027-02-01T00:00:00.000Z';

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** The baseline: the same rows a renewal writes (invoice, line, payment, event), one transaction each, no engine. */
async function sqlBaseline(url: string): Promise<number> {
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  await pg.query(`create table bench_invoices (id text primary key, subscription_id text not null, period_index int not null,
    number text not null, total bigint not null, status text not null, created_at timestamptz not null default now(),
    unique (subscription_id, period_index))`);
  await pg.query(`create table bench_invoice_lines (id text primary key, invoice_id text not null references bench_invoices,
    description text not null, amount bigint not null)`);
  await pg.query(`create table bench_payments (id text primary key, invoice_id text not null references bench_invoices,
    idempotency_key text not null unique, amount bigint not null, status text not null)`);
  await pg.query(`create table bench_events (id text primary key, subscription_id text not null, type text not null,
    data jsonb not null, occurred_at timestamptz not null default now())`);
  const began = Date.now();
  for (let i = 0; i < N; i++) {
    const invoice = `in_${randomBytes(12).toString('hex')}`;
    await pg.query('begin');
    await pg.query(
      `insert into bench_invoices (id, subscription_id, period_index, number, total, status) values ($1, $2, 1, $3, 2261, 'open')`,
      [invoice, `sub_${i}`, `2027-${String(i + 1).padStart(6, '0')}`],
    );
    await pg.query(`insert into bench_invoice_lines values ($1, $2, 'Monthly beans', 1900)`, [
      `il_${invoice}`,
      invoice,
    ]);
    await pg.query(`insert into bench_payments values ($1, $2, $3, 2261, 'succeeded')`, [
      `pa_${invoice}`,
      invoice,
      `${invoice}:1`,
    ]);
    await pg.query(`update bench_invoices set status = 'paid' where id = $1`, [invoice]);
    await pg.query(
      `insert into bench_events (id, subscription_id, type, data) values ($1, $2, 'invoice.paid', '{}')`,
      [`evt_${invoice}`, `sub_${i}`],
    );
    await pg.query('commit');
  }
  const elapsed = Date.now() - began;
  await pg.end();
  return elapsed;
}

async function main(): Promise<void> {
  const stack = await startBenchStack('renewal-storm');
  const { env, orm, gateway } = stack;
  try {
    const plan = await seedSellerAndPlan(orm);
    const customers = await seedCustomers(orm, gateway, N);
    const startedAt = Date.now();
    const ids = await startSubscriptions(stack, plan, customers, {
      concurrency: CONCURRENCY,
      testClockTime: START,
    });
    const paidCount = (periodIndex: number) => orm.em.fork().count(Invoice, { periodIndex, status: 'paid' });
    await waitUntil(async () => (await paidCount(0)) >= N, 'first invoices', phaseTimeoutMs(N));
    const startMs = Date.now() - startedAt;

    const advancedAt = Date.now();
    await inBatches(ids, 100, (id) =>
      env.client.workflow
        .getHandle(lifecycleWorkflowIdFor(id))
        .signal(testClockAdvancedSignal, { frozenTime: RENEWAL }),
    );
    await waitUntil(async () => (await paidCount(1)) >= N, 'renewal invoices', phaseTimeoutMs(N));
    const stormMs = Date.now() - advancedAt;
    const paid = await orm.em.fork().find(Invoice, { periodIndex: 1 }, { fields: ['paidAt'] });
    const lags = paid
      .map((invoice) => (invoice.paidAt?.getTime() ?? advancedAt) - advancedAt)
      .sort((a, b) => a - b);
    // The baseline gets the machine to itself, as the storm had it: the receipts of the last renewals are still going out.
    await waitForIdleWorker(stack.worker);
    const [database] = await orm.em
      .getConnection()
      .execute<{ size: string }[]>('select pg_database_size(current_database())::text as size');
    const baselineMs = await sqlBaseline(stack.postgresUrl);

    const result = {
      benchmark: 'renewal-storm',
      ...machine(),
      subscriptions: N,
      start_all_ms: startMs,
      storm_ms: stormMs,
      renewals_per_second: Math.round((N / stormMs) * 1000 * 10) / 10,
      lag_p50_ms: percentile(lags, 50),
      lag_p99_ms: percentile(lags, 99),
      worker_and_api_rss_mb: mb(process.memoryUsage().rss),
      postgres_size_mb: mb(Number(database?.size ?? 0)),
      sql_baseline_ms: baselineMs,
      perennial_over_baseline: Math.round((stormMs / baselineMs) * 10) / 10,
    };
    console.table(result);
    await writeResult(`renewal-storm-${N}.json`, result);
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
