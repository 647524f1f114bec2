import { Migration } from '@mikro-orm/migrations';

/** Pending invoice items (one-off charges and credits, kept prorations, dispute fees) and the line kinds they bill as. */
export class Migration20261202130000_invoice_items extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "invoice_items" ("id" text not null, "customer_id" text not null, "subscription_id" text null, "currency" text not null, "amount" bigint not null, "description" text not null, "quantity" int not null default 1, "unit_amount" bigint null, "period_start" timestamptz null, "period_end" timestamptz null, "kind" text check ("kind" in ('one_off', 'proration', 'dispute_fee')) not null default 'one_off', "invoice_id" text null, "idempotency_key" text null, "created_at" timestamptz not null default now(), constraint "invoice_items_pkey" primary key ("id"), constraint invoice_items_currency_check check (currency ~ '^[A-Z]{3}$'), constraint invoice_items_amount_check check (amount >= -9007199254740991 and amount <= 9007199254740991 and (unit_amount is null or unit_amount >= -9007199254740991 and unit_amount <= 9007199254740991)), constraint invoice_items_quantity_check check (quantity >= 0), constraint invoice_items_period_check check ((period_start is null) = (period_end is null) and (period_end is null or period_end > period_start)));`,
    );
    this.addSql(
      `alter table "invoice_items" add constraint "invoice_items_idempotency_key_unique" unique ("idempotency_key");`,
    );
    this.addSql(
      `create index "invoice_items_customer_created_index" on "invoice_items" ("customer_id", "created_at");`,
    );
    this.addSql(`create index "invoice_items_invoice_index" on "invoice_items" ("invoice_id");`);
    this.addSql(
      `alter table "invoice_items" add constraint "invoice_items_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "invoice_items" add constraint "invoice_items_subscription_id_foreign" foreign key ("subscription_id") references "subscriptions" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "invoice_items" add constraint "invoice_items_invoice_id_foreign" foreign key ("invoice_id") references "invoices" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(`alter table "invoice_lines" drop constraint if exists "invoice_lines_kind_check";`);
    this.addSql(
      `alter table "invoice_lines" add constraint "invoice_lines_kind_check" check("kind" in ('subscription', 'proration', 'usage', 'setup_fee', 'one_off', 'dispute_fee', 'discount'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "invoice_items" cascade;`);
    // Refused while lines of the new kinds exist: going down would otherwise rewrite finalized invoices.
    this.addSql(`alter table "invoice_lines" drop constraint if exists "invoice_lines_kind_check";`);
    this.addSql(
      `alter table "invoice_lines" add constraint "invoice_lines_kind_check" check("kind" in ('subscription', 'proration', 'usage', 'setup_fee', 'discount'));`,
    );
  }
}
