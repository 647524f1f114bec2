import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import path from 'node:path';
import { migrationsList } from '../../migrations';
import { entities } from './entities';

export interface OrmOverrides {
  poolMax?: number;
  debug?: boolean;
  /** Longest wait for a connection, from the pool or a new one to the server (DATABASE_CONNECT_WAIT_MS). */
  connectTimeoutMs?: number;
  /** Longest wait for a query's answer, measured by the client (DATABASE_QUERY_WAIT_MS). */
  queryTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

export function ormOptions(databaseUrl: string, overrides: OrmOverrides = {}): Options {
  const connectTimeoutMs = overrides.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: overrides.poolMax ?? 10 },
    // Unbounded by default (knex waits 60 s for a pooled connection, node-postgres forever for a connect or an
    // answer), so an unreachable database would hang requests and activities instead of failing them fast into
    // a 503 or a retry.
    driverOptions: {
      acquireConnectionTimeout: connectTimeoutMs,
      connection: {
        connectionTimeoutMillis: connectTimeoutMs,
        query_timeout: overrides.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
      },
    },
    debug: overrides.debug ?? false,
    // Entities are declared as schemas, so discovery needs no TypeScript reflection or file globbing.
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    migrations: {
      migrationsList,
      path: path.resolve(__dirname, '..', '..', 'migrations'),
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
      emit: 'ts',
    },
    allowGlobalContext: false,
    // The sandbox gateway simulates an outside processor; its ledger is not ours to map or diff.
    schemaGenerator: { skipTables: ['sandbox_charges', 'sandbox_refunds'] },
  });
}

export type Orm = MikroORM;

export function initOrm(databaseUrl: string, overrides: OrmOverrides = {}): Promise<Orm> {
  return MikroORM.init(ormOptions(databaseUrl, overrides));
}
