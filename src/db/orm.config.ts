import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import path from 'node:path';
import { migrationsList } from '../../migrations';
import { entities } from './entities';

export function ormOptions(
  databaseUrl: string,
  overrides: { poolMax?: number; debug?: boolean } = {},
): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: overrides.poolMax ?? 10 },
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

export function initOrm(
  databaseUrl: string,
  overrides: { poolMax?: number; debug?: boolean } = {},
): Promise<Orm> {
  return MikroORM.init(ormOptions(databaseUrl, overrides));
}
