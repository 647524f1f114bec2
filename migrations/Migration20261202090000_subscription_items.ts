import { Migration } from '@mikro-orm/migrations';

/**
 * The subscription item model: items as a read model, the workflow's committed state on the subscription row,
 * invoice lines naming their item, add-on products, and outbox rows the relay renders and sends.
 */
export class Migration20261202090000_subscription_items extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "subscription_items" ("id" text not null, "subscription_id" text not null, "plan_id" text not null, "quantity" int not null, "amount" bigint not null, "metered" boolean not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "subscription_items_pkey" primary key ("id"), constraint subscription_items_quantity_check check (quantity >= 0), constraint subscription_items_amount_check check (amount >= 0));`,
    );
    this.addSql(
      `create index "subscription_items_subscription_id_index" on "subscription_items" ("subscription_id");`,
    );
    this.addSql(`create index "subscription_items_plan_id_index" on "subscription_items" ("plan_id");`);
    this.addSql(
      `alter table "subscription_items" add constraint "subscription_items_subscription_id_foreign" foreign key ("subscription_id") references "subscriptions" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "subscription_items" add constraint "subscription_items_plan_id_foreign" foreign key ("plan_id") references "plans" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "email_messages" add column "subscription_id" text null, add column "payload" jsonb null, add column "attempts" int not null default 0, add column "lease_until" timestamptz null, add column "last_error" text null;`,
    );
    this.addSql(
      `create index "email_messages_status_created_index" on "email_messages" ("status", "created_at");`,
    );
    this.addSql(`alter table "products" add column "add_on" boolean not null default false;`);
    this.addSql(
      `alter table "subscriptions" add column "state" jsonb null, add column "attention_code" text null, add column "next_action_at" timestamptz null;`,
    );
    this.addSql(
      `create index "subscriptions_status_next_action_index" on "subscriptions" ("status", "next_action_at");`,
    );
    this.addSql(`alter table "invoice_lines" add column "subscription_item_id" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "subscription_items" cascade;`);
    this.addSql(`drop index "email_messages_status_created_index";`);
    this.addSql(
      `alter table "email_messages" drop column "subscription_id", drop column "payload", drop column "attempts", drop column "lease_until", drop column "last_error";`,
    );
    this.addSql(`alter table "invoice_lines" drop column "subscription_item_id";`);
    this.addSql(`alter table "products" drop column "add_on";`);
    this.addSql(`drop index "subscriptions_status_next_action_index";`);
    this.addSql(
      `alter table "subscriptions" drop column "state", drop column "attention_code", drop column "next_action_at";`,
    );
  }
}
