import { Migration } from '@mikro-orm/migrations';

/** Meters get a unit label and can be archived: no new plans or usage, existing usage still billed. */
export class Migration20261202130000_meter_archive extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "meters" add column "unit_label" text null, add column "archived_at" timestamptz null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "meters" drop column "unit_label", drop column "archived_at";`);
  }
}
