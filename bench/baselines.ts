import { randomBytes, randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { EmailMessage, PaymentMethod } from '../src/db/entities';
import type { Orm } from '../src/db/orm.config';
import { money } from '../src/domain/money';
import { chargeOnce, type SandboxGateway } from '../src/gateways';
import { renderLifecycleEmail, type LifecycleEmailPayload } from '../src/mail/lifecycle-email';
import type { Mailer } from '../src/mail/mailer';

/**
 * The baselines a Perennial phase is read against, each a plain loop over the same N subscriptions with one
 * transaction per subscription and no Temporal:
 * - rows only: the rows the phase wrote, per table, as PostgreSQL counted them (inserts and updates), written with
 *   plain SQL into copies of the same tables (same columns, constraints and indexes);
 * - same work: those rows, plus what a renewal does outside the database: a charge through the sandbox gateway
 *   (its own rows included), and each email the phase sent, rendered by the same code (the receipt with its PDF)
 *   and sent through the same SMTP catcher.
 */

interface Counter {
  inserts: number;
  updates: number;
  deletes: number;
}

export interface TableWrites extends Counter {
  table: string;
}

/** What one phase wrote, table by table, and over how many subscriptions. */
export interface WriteProfile {
  subscriptions: number;
  tables: TableWrites[];
}

/**
 * A connection whose server-side end (a shutdown, a terminated backend) fails the query in flight instead of
 * crashing the benchmark with an unhandled 'error' event.
 */
function connectionOf(url: string): PgClient {
  const pg = new PgClient({ connectionString: url });
  pg.on('error', (error) => console.error(`[bench] PostgreSQL connection lost: ${error.message}`));
  return pg;
}

async function withPg<T>(url: string, work: (pg: PgClient) => Promise<T>): Promise<T> {
  const pg = connectionOf(url);
  await pg.connect();
  try {
    return await work(pg);
  } finally {
    await pg.end();
  }
}

async function readCounters(pg: PgClient): Promise<Map<string, Counter>> {
  const { rows } = await pg.query<{ relname: string; ins: string; upd: string; del: string }>(
    `select relname, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del from pg_stat_user_tables
      where schemaname = current_schema() and relname not like 'bench\\_%'`,
  );
  return new Map(
    rows.map((row) => [
      row.relname,
      { inserts: Number(row.ins), updates: Number(row.upd), deletes: Number(row.del) },
    ]),
  );
}

const sameCounters = (a: Map<string, Counter>, b: Map<string, Counter>) =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/**
 * PostgreSQL's per-table counters once every connection has reported: a backend reports what it wrote when it goes
 * idle, and at most every 10 s after its last report, so a reading is settled once it holds still for 11 s.
 */
export async function settledCounters(url: string): Promise<Map<string, Counter>> {
  return withPg(url, async (pg) => {
    let last = await readCounters(pg);
    for (let round = 0; round < 6; round++) {
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      const next = await readCounters(pg);
      if (sameCounters(last, next)) return next;
      last = next;
    }
    return last;
  });
}

export function writeProfile(
  before: Map<string, Counter>,
  after: Map<string, Counter>,
  subscriptions: number,
): WriteProfile {
  const tables: TableWrites[] = [];
  for (const [table, end] of after) {
    if (table === 'mikro_orm_migrations') continue;
    const start = before.get(table) ?? { inserts: 0, updates: 0, deletes: 0 };
    const writes = {
      table,
      inserts: end.inserts - start.inserts,
      updates: end.updates - start.updates,
      deletes: end.deletes - start.deletes,
    };
    if (writes.inserts > 0 || writes.updates > 0 || writes.deletes > 0) tables.push(writes);
  }
  return { subscriptions, tables: tables.sort((a, b) => a.table.localeCompare(b.table)) };
}

/** The profile per subscription, rounded, for results and the README. */
export function rowsPerSubscription(profile: WriteProfile) {
  const per = (count: number) => Math.round((count / Math.max(1, profile.subscriptions)) * 100) / 100;
  return Object.fromEntries(
    profile.tables.map((t) => [
      t.table,
      { inserts: per(t.inserts), updates: per(t.updates), deletes: per(t.deletes) },
    ]),
  );
}

/** How many of `total` fall to iteration `i` of `n`, spread evenly so that the loop writes exactly `total`. */
const share = (total: number, i: number, n: number) =>
  Math.floor(((i + 1) * total) / n) - Math.floor((i * total) / n);

interface KeyColumn {
  name: string;
  type: string;
  maxLength: number | null;
}

interface CopyTable {
  table: string;
  copy: string;
  template: Record<string, unknown>;
  unique: KeyColumn[];
  primaryKey: string[];
  updateColumn: string | null;
  inserts: number;
  updates: number;
  /** Rows the updates rewrite: one (a counter row, e.g. an invoice number sequence) or one per subscription. */
  targets: Record<string, unknown>[];
  /** Variants made of this table: a number key moves by this count, so it stays near the template's value. */
  made: number;
}

let fresh = 0;

/** The template row with new values in every column of a unique index, so that copies never collide. */
function variant(table: CopyTable): Record<string, unknown> {
  const row = { ...table.template };
  const suffix = `~${(++fresh).toString(36)}${randomBytes(2).toString('hex')}`;
  for (const column of table.unique) {
    const value = row[column.name];
    if (value === null || value === undefined) continue;
    if (column.type === 'uuid') row[column.name] = randomUUID();
    else if (['integer', 'bigint', 'smallint', 'numeric'].includes(column.type))
      // Per table, not global: a key under a check constraint (an invoice number sequence's year, 2000-9999)
      // moves by the few rows of its own table, not by every row the loop has made.
      row[column.name] = Number(value) + table.made + 1;
    else {
      const text = String(value);
      const keep = column.maxLength ? Math.max(0, column.maxLength - suffix.length) : text.length;
      row[column.name] = `${text.slice(0, keep)}${suffix}`;
    }
  }
  table.made++;
  return row;
}

async function prepareCopy(pg: PgClient, writes: TableWrites, n: number): Promise<CopyTable | null> {
  const copy = `bench_${writes.table}`.slice(0, 63);
  const [template] = (
    await pg.query<{ row: Record<string, unknown> }>(
      `select row_to_json(t) as row from "${writes.table}" t order by ctid desc limit 1`,
    )
  ).rows;
  if (!template) return null;
  await pg.query(`drop table if exists "${copy}"`);
  await pg.query(`create table "${copy}" (like "${writes.table}" including all)`);
  const { rows: keys } = await pg.query<{ name: string; type: string; max: number | null; primary: boolean }>(
    `select distinct a.attname as name, c.data_type as type, c.character_maximum_length as max, i.indisprimary as primary
       from pg_index i
       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       join information_schema.columns c on c.table_name = $1 and c.column_name = a.attname
          and c.table_schema = current_schema()
      where i.indrelid = $1::regclass and i.indisunique`,
    [copy],
  );
  const { rows: columns } = await pg.query<{ name: string }>(
    `select column_name as name from information_schema.columns
      where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
    [copy],
  );
  const primaryKey = keys.filter((key) => key.primary).map((key) => key.name);
  const unique = keys.map((key) => ({ name: key.name, type: key.type, maxLength: key.max }));
  const table: CopyTable = {
    table: writes.table,
    copy,
    template: template.row,
    unique,
    primaryKey,
    updateColumn: columns.map((column) => column.name).find((name) => !primaryKey.includes(name)) ?? null,
    inserts: writes.inserts,
    updates: writes.updates,
    targets: [],
    made: 0,
  };
  if (writes.updates > 0 && primaryKey.length > 0 && table.updateColumn) {
    // A table that holds few rows next to N subscriptions (a sequence) is updated on one row, others row by row.
    const [{ count } = { count: '0' }] = (
      await pg.query<{ count: string }>(`select count(*) from "${writes.table}"`)
    ).rows;
    const targets = Number(count) < n / 2 ? 1 : n;
    table.targets = Array.from({ length: targets }, () => variant(table));
    await insertRows(pg, table, table.targets);
  }
  return table;
}

async function insertRows(pg: PgClient, table: CopyTable, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  await pg.query(
    `insert into "${table.copy}" select * from json_populate_recordset(null::"${table.copy}", $1::json)`,
    [JSON.stringify(rows)],
  );
}

async function updateRows(pg: PgClient, table: CopyTable, i: number, count: number): Promise<void> {
  if (count === 0 || table.targets.length === 0 || !table.updateColumn) return;
  const column = `"${table.updateColumn}"`;
  const keys = table.primaryKey.map((key) => `"${key}"`).join(', ');
  const targets = Array.from(
    { length: count },
    (_, k) => table.targets[(i * count + k) % table.targets.length] ?? {},
  );
  await pg.query(
    `update "${table.copy}" set ${column} = ${column} where (${keys}) in
       (select ${keys} from json_populate_recordset(null::"${table.copy}", $1::json))`,
    [JSON.stringify(targets)],
  );
}

export interface RowsLoop {
  /** One subscription's rows in one transaction: the inserts and updates that fall to iteration `i`. */
  write(i: number): Promise<void>;
  close(): Promise<void>;
}

/** Copies of the profile's tables, ready for a timed loop; `include` leaves tables out (the sandbox's own). */
export async function prepareRowsLoop(
  url: string,
  profile: WriteProfile,
  include: (table: string) => boolean = () => true,
): Promise<RowsLoop> {
  const n = profile.subscriptions;
  const pg = connectionOf(url);
  await pg.connect();
  const tables: CopyTable[] = [];
  for (const writes of profile.tables.filter((t) => include(t.table))) {
    const table = await prepareCopy(pg, writes, n);
    if (table) tables.push(table);
  }
  return {
    async write(i) {
      await pg.query('begin');
      try {
        for (const table of tables) {
          const count = share(table.inserts, i, n);
          await insertRows(
            pg,
            table,
            Array.from({ length: count }, () => variant(table)),
          );
          await updateRows(pg, table, i, share(table.updates, i, n));
        }
        await pg.query('commit');
      } catch (error) {
        // Rolled back, so that close() can still drop the copies on this connection.
        await pg.query('rollback');
        throw error;
      }
    },
    async close() {
      for (const table of tables) await pg.query(`drop table if exists "${table.copy}"`);
      await pg.end();
    },
  };
}

/** The rows-only baseline: the profile's rows for N subscriptions, one transaction each. Answers its milliseconds. */
export async function rowsOnlyBaseline(url: string, profile: WriteProfile): Promise<number> {
  const loop = await prepareRowsLoop(url, profile);
  try {
    const began = Date.now();
    for (let i = 0; i < profile.subscriptions; i++) await loop.write(i);
    return Date.now() - began;
  } finally {
    await loop.close();
  }
}

export interface SameWorkInputs {
  orm: Orm;
  gateway: SandboxGateway;
  mailer: Mailer;
  publicUrl: string;
  /** Customers with a sandbox card to charge, used in turn. */
  customers: { id: string; pm: string }[];
  /** The emails of one subscription in the phase: each is rendered and sent again once per iteration. */
  emails: EmailMessage[];
  /** Sandbox charges per subscription in the phase (1 for a paid renewal). */
  chargesPerSubscription: number;
}

/** The emails one subscription was sent during a phase (between two instants), as the outbox recorded them. */
export async function emailsOfPhase(
  orm: Orm,
  subscriptionId: string,
  from: Date,
  to: Date,
): Promise<EmailMessage[]> {
  return orm.em
    .fork()
    .find(
      EmailMessage,
      { subscriptionId, createdAt: { $gte: from, $lte: to } },
      { orderBy: { createdAt: 'asc' } },
    );
}

/** The same-work baseline: rows (without the sandbox's tables: the charge writes those itself), a charge, the emails. */
export async function sameWorkBaseline(
  url: string,
  profile: WriteProfile,
  inputs: SameWorkInputs,
): Promise<number> {
  const loop = await prepareRowsLoop(url, profile, (table) => !table.startsWith('sandbox_'));
  const cards = new Map<string, string>();
  for (const customer of inputs.customers.slice(0, 100)) {
    const method = await inputs.orm.em.fork().findOneOrFail(PaymentMethod, customer.pm);
    cards.set(customer.id, method.token);
  }
  const customers = [...cards.keys()];
  const charges = Math.round(inputs.chargesPerSubscription);
  try {
    const began = Date.now();
    for (let i = 0; i < profile.subscriptions; i++) {
      await loop.write(i);
      const customerId = customers[i % customers.length] ?? '';
      for (let c = 0; c < charges; c++) {
        const { customerRef } = await inputs.gateway.createCustomer({
          idempotencyKey: `customer:${customerId}`,
        });
        const key = `bench_${randomBytes(8).toString('hex')}`;
        await chargeOnce(inputs.gateway, {
          amount: money(2261, 'EUR'),
          customerRef,
          paymentMethodRef: cards.get(customerId) ?? '',
          idempotencyKey: key,
          description: 'Same-work baseline',
          metadata: { invoice_id: key },
        });
      }
      for (const email of inputs.emails) {
        const mail = await renderLifecycleEmail(
          inputs.orm.em.fork(),
          email.payload as unknown as LifecycleEmailPayload,
          { publicUrl: inputs.publicUrl },
        );
        await inputs.mailer.send({
          ...mail,
          to: email.recipient,
          messageId: `<bench-${randomBytes(8).toString('hex')}@perennial>`,
        });
      }
    }
    return Date.now() - began;
  } finally {
    await loop.close();
  }
}
