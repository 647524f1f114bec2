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
