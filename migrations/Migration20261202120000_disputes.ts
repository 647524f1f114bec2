import { Migration } from '@mikro-orm/migrations';

/**
 * Disputes as a resource, the seller's notification address, and the invoice checks a lost dispute needs: a paid
 * invoice is paid in full, an open one still owes something (also after a chargeback took a payment back).
 */
export class Migration20261202120000_disputes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "disputes" ("id" text not null, "payment_attempt_id" text not null, "invoice_id" text not null, "customer_id" text not null, "subscription_id" text null, "gateway" text not null, "gateway_reference" text not null, "amount" bigint not null, "currency" text not null, "reason" text not null, "status" text check ("status" in ('needs_response', 'under_review', 'won', 'lost')) not null default 'needs_response', "fee_amount" bigint null, "closed_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "disputes_pkey" primary key ("id"), constraint disputes_amount_check check (amount > 0), constraint disputes_fee_amount_check check (fee_amount is null or fee_amount >= 0), constraint disputes_currency_check check (currency ~ '^[A-Z]{3}$'), constraint disputes_closed_check check ((status = 'won' or status = 'lost') = (closed_at is not null)));`,
    );
    this.addSql(`create index "disputes_created_at_id_index" on "disputes" ("created_at", "id");`);
    this.addSql(`create index "disputes_customer_id_index" on "disputes" ("customer_id");`);
    this.addSql(`create index "disputes_invoice_id_index" on "disputes" ("invoice_id");`);
    this.addSql(
      `alter table "disputes" add constraint "disputes_gateway_reference_unique" unique ("gateway", "gateway_reference");`,
    );
    this.addSql(
      `alter table "disputes" add constraint "disputes_payment_attempt_id_foreign" foreign key ("payment_attempt_id") references "payment_attempts" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "disputes" add constraint "disputes_invoice_id_foreign" foreign key ("invoice_id") references "invoices" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "disputes" add constraint "disputes_customer_id_foreign" foreign key ("customer_id") references "customers" ("id") on update cascade;`,
    );
    this.addSql(
      `alter table "disputes" add constraint "disputes_subscription_id_foreign" foreign key ("subscription_id") references "subscriptions" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "seller_settings" add column "notification_email" text null, add column "notification_locale" text check ("notification_locale" in ('de', 'en')) not null default 'en';`,
    );

    this.addSql(`alter table "invoices" drop constraint "invoices_paid_check";`);
    this.addSql(
      `alter table "invoices" add constraint invoices_paid_check check (status <> 'paid' or (paid_at is not null and amount_paid >= amount_due)), add constraint invoices_open_check check (status <> 'open' or amount_paid < amount_due);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "invoices" drop constraint "invoices_open_check", drop constraint "invoices_paid_check";`,
    );
    this.addSql(
      `alter table "invoices" add constraint invoices_paid_check check (status <> 'paid' or paid_at is not null);`,
    );
    this.addSql(
      `alter table "seller_settings" drop column "notification_email", drop column "notification_locale";`,
    );
    this.addSql(`drop table if exists "disputes" cascade;`);
  }
}
