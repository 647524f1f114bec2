import { Migration } from '@mikro-orm/migrations';

/** The MRR ledger, trial starts and conversions beside it, and the analytics settings (margin, exchange rates). */
export class Migration20261202150000_analytics extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mrr_movements" ("id" text not null, "subscription_id" text not null, "customer_id" text not null, "sequence" int not null, "kind" text check ("kind" in ('new', 'expansion', 'contraction', 'churn', 'reactivation')) not null, "currency" text not null, "mrr_before" bigint not null, "mrr_after" bigint not null, "delta" bigint not null, "occurred_at" timestamptz not null, "event_key" text not null, "test_mode" boolean not null, "recorded_at" timestamptz not null default now(), constraint "mrr_movements_pkey" primary key ("id"), constraint mrr_movements_currency_check check (currency ~ '^[A-Z]{3}$'), constraint mrr_movements_sequence_check check (sequence >= 1), constraint mrr_movements_delta_check check (delta = mrr_after - mrr_before), constraint mrr_movements_kind_amounts_check check (((kind = 'new' or kind = 'reactivation') and mrr_before = 0 and mrr_after > 0) or (kind = 'churn' and mrr_before > 0 and mrr_after = 0) or (kind = 'expansion' and mrr_before > 0 and mrr_after > mrr_before) or (kind = 'contraction' and mrr_after > 0 and mrr_after < mrr_before)));`,
    );
    this.addSql(
      `alter table "mrr_movements" add constraint "mrr_movements_event_key_unique" unique ("event_key");`,
    );
    this.addSql(`create index "mrr_movements_occurred_at_index" on "mrr_movements" ("occurred_at");`);
    this.addSql(
      `alter table "mrr_movements" add constraint "mrr_movements_subscription_sequence_unique" unique ("subscription_id", "sequence");`,
    );

    this.addSql(
      `create table "trial_marks" ("id" text not null, "subscription_id" text not null, "customer_id" text not null, "kind" text check ("kind" in ('started', 'converted')) not null, "currency" text not null, "occurred_at" timestamptz not null, "event_key" text not null, "test_mode" boolean not null, "recorded_at" timestamptz not null default now(), constraint "trial_marks_pkey" primary key ("id"), constraint trial_marks_currency_check check (currency ~ '^[A-Z]{3}$'));`,
    );
    this.addSql(`create index "trial_marks_occurred_at_index" on "trial_marks" ("occurred_at");`);
    this.addSql(
      `alter table "trial_marks" add constraint "trial_marks_subscription_kind_unique" unique ("subscription_id", "kind");`,
    );

    this.addSql(
      `create table "analytics_settings" ("id" int not null default 1, "gross_margin_basis_points" int not null default 10000, "reporting_currency" text null, "exchange_rates" jsonb not null default '{}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "analytics_settings_pkey" primary key ("id"), constraint analytics_settings_single_row check (id = 1), constraint analytics_settings_margin_check check (gross_margin_basis_points >= 0 and gross_margin_basis_points <= 10000), constraint analytics_settings_currency_check check (reporting_currency is null or reporting_currency ~ '^[A-Z]{3}$'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "analytics_settings" cascade;`);
    this.addSql(`drop table if exists "trial_marks" cascade;`);
    this.addSql(`drop table if exists "mrr_movements" cascade;`);
  }
}
