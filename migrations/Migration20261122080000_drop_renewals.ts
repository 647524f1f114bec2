import { Migration } from '@mikro-orm/migrations';

/** The foundation slice's renewal log is gone: invoices of (subscription, period) record each renewal now. */
export class Migration20261122080000_drop_renewals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop table if exists "renewals" cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `create table "renewals" ("id" uuid not null default gen_random_uuid(), "subscription_id" text not null, "period_index" int not null, "period_start" timestamptz not null, "period_end" timestamptz not null, "recorded_at" timestamptz not null default now(), constraint "renewals_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "renewals" add constraint "renewals_subscription_period_unique" unique ("subscription_id", "period_index");`,
    );
  }
}
