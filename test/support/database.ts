import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { initOrm, type Orm } from '../../src/db/orm.config';

export interface TestDatabase {
  url: string;
  /** Connected and migrated to the latest schema. */
  orm: Orm;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.PERENNIAL_TEST_ADMIN_DATABASE_URL;
  if (!url)
    throw new Error(
      'PERENNIAL_TEST_ADMIN_DATABASE_URL is not set: integration tests run through global setup',
    );
  return url;
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database per test file, so files run in parallel without seeing each other's rows. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `perennial_t_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`create database "${name}"`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      admin((client) => client.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const database = await createEmptyDatabase();
  const orm = await initOrm(database.url, { poolMax: 5 });
  await orm.getMigrator().up();
  return {
    url: database.url,
    orm,
    async drop() {
      await orm.close(true);
      await database.drop();
    },
  };
}

/**
 * Every table's row count and an md5 over its rows' text, in one round trip: equal snapshots mean no row was
 * added, removed or changed anywhere.
 */
export async function tableSnapshot(orm: Orm): Promise<string> {
  const connection = orm.em.getConnection();
  const tables = (
    await connection.execute<{ name: string }[]>(
      `select table_name as name from information_schema.tables ` +
        `where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
    )
  ).map((row) => row.name);
  const sql = tables
    .map(
      (table) =>
        `select '${table}' as name, count(*)::int as rows, ` +
        `md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash from "${table}" t`,
    )
    .join(' union all ');
  const rows = await connection.execute<{ name: string; rows: number; hash: string }[]>(sql);
  return rows.map((row) => `${row.name}:${row.rows}:${row.hash}`).join('\n');
}
