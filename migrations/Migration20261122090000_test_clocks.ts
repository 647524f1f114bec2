import { Migration } from '@mikro-orm/migrations';

/** Test clocks, and the foreign key `customers.test_clock_id` has waited for since the customers table was made. */
export class Migration20261122090000_test_clocks extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "test_clocks" ("id" text not null, "name" text null, "frozen_time" timestamptz not null, "status" text check ("status" in ('ready', 'advancing')) not null default 'ready', "created_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "test_clocks_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "test_clocks_created_at_id_index" on "test_clocks" ("created_at", "id");`);
    // No API could set the column before this table existed; a stray value would only block the constraint.
    this.addSql(`update "customers" set "test_clock_id" = null where "test_clock_id" is not null;`);
    this.addSql(
      `alter table "customers" add constraint "customers_test_clock_id_foreign" foreign key ("test_clock_id") references "test_clocks" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "customers" drop constraint if exists "customers_test_clock_id_foreign";`);
    this.addSql(`drop table if exists "test_clocks" cascade;`);
  }
}
