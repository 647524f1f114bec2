import { Migration } from '@mikro-orm/migrations';

export class Migration20261122063003 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "api_keys" ("id" uuid not null default gen_random_uuid(), "name" text not null, "prefix" text not null, "hash" text not null, "created_at" timestamptz not null default now(), "revoked_at" timestamptz null, constraint "api_keys_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "api_keys" add constraint "api_keys_hash_unique" unique ("hash");`);

    this.addSql(
      `create table "email_messages" ("id" uuid not null default gen_random_uuid(), "cause_key" text not null, "kind" text not null, "recipient" text not null, "subject" text not null, "status" text not null default 'pending', "message_id" text not null, "smtp_response" text null, "sent_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "email_messages_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "email_messages" add constraint "email_messages_cause_key_unique" unique ("cause_key");`,
    );

    this.addSql(
      `create table "renewals" ("id" uuid not null default gen_random_uuid(), "subscription_id" text not null, "period_index" int not null, "period_start" timestamptz not null, "period_end" timestamptz not null, "recorded_at" timestamptz not null default now(), constraint "renewals_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "renewals" add constraint "renewals_subscription_period_unique" unique ("subscription_id", "period_index");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "api_keys" cascade;`);

    this.addSql(`drop table if exists "email_messages" cascade;`);

    this.addSql(`drop table if exists "renewals" cascade;`);
  }
}
