import { Migration } from '@mikro-orm/migrations';

/**
 * Hand-written: the sandbox gateway's ledger stands in for an outside processor, so it is not mapped as entities
 * (orm.config skips these tables in schema diffs). The unique idempotency keys are what make a repeated charge
 * or refund return the first result instead of moving money twice.
 */
export class Migration20261122064000_sandbox_gateway extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "sandbox_charges" (` +
        `"id" text not null, ` +
        `"idempotency_key" text not null, ` +
        `"customer_ref" text not null, ` +
        `"payment_method_ref" text not null, ` +
        `"token" text not null, ` +
        `"amount" bigint not null, ` +
        `"currency" text not null, ` +
        `"status" text not null, ` +
        `"decline_code" text null, ` +
        `"decline_message" text null, ` +
        `"description" text not null, ` +
        `"metadata" jsonb not null default '{}', ` +
        `"created_at" timestamptz not null default now(), ` +
        `constraint "sandbox_charges_pkey" primary key ("id"), ` +
        `constraint "sandbox_charges_amount_positive" check ("amount" > 0), ` +
        `constraint "sandbox_charges_status_check" check (` +
        `("status" = 'succeeded' and "decline_code" is null) or ` +
        `("status" = 'declined' and "decline_code" is not null and "decline_message" is not null)));`,
    );
    this.addSql(
      `alter table "sandbox_charges" add constraint "sandbox_charges_idempotency_key_unique" unique ("idempotency_key");`,
    );

    this.addSql(
      `create table "sandbox_refunds" (` +
        `"id" text not null, ` +
        `"idempotency_key" text not null, ` +
        `"charge_id" text not null, ` +
        `"amount" bigint not null, ` +
        `"currency" text not null, ` +
        `"created_at" timestamptz not null default now(), ` +
        `constraint "sandbox_refunds_pkey" primary key ("id"), ` +
        `constraint "sandbox_refunds_amount_positive" check ("amount" > 0), ` +
        `constraint "sandbox_refunds_charge_id_foreign" foreign key ("charge_id") references "sandbox_charges" ("id"));`,
    );
    this.addSql(
      `alter table "sandbox_refunds" add constraint "sandbox_refunds_idempotency_key_unique" unique ("idempotency_key");`,
    );
    this.addSql(`create index "sandbox_refunds_charge_id_index" on "sandbox_refunds" ("charge_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "sandbox_refunds" cascade;`);
    this.addSql(`drop table if exists "sandbox_charges" cascade;`);
  }
}
