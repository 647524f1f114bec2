import { initOrm, type Orm } from '../../../src/db/orm.config';
import { createEmptyDatabase } from '../../support/database';

async function tableNames(orm: Orm): Promise<string[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables
       where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
  return rows.map((row) => row.table_name);
}

describe('migrations on an empty database', () => {
  let database: { url: string; drop(): Promise<void> };
  let orm: Orm;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    orm = await initOrm(database.url, { poolMax: 2 });
  });

  afterAll(async () => {
    await orm?.close(true);
    await database?.drop();
  });

  test('up creates every entity table and matches the entities exactly; down to 0 removes every table again', async () => {
    const entityTables = Object.values(orm.getMetadata().getAll())
      .map((meta) => meta.tableName)
      .filter((name): name is string => typeof name === 'string')
      .sort();
    expect(entityTables).toEqual(
      expect.arrayContaining([
        'events',
        'invoices',
        'invoice_number_sequences',
        'payment_attempts',
        'usage_events',
      ]),
    );
    expect(await tableNames(orm)).toEqual([]);

    await orm.getMigrator().up();
    const afterUp = await tableNames(orm);
    expect(afterUp).toEqual(expect.arrayContaining([...entityTables, 'mikro_orm_migrations']));
    // No drift: the checked-in migrations produce the schema the entities describe, constraints included.
    expect(await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false })).toBe('');

    await orm.getMigrator().down({ to: 0 });
    expect(await tableNames(orm)).toEqual(['mikro_orm_migrations']);
    expect(await orm.getMigrator().getExecutedMigrations()).toEqual([]);
  });
});
