import { Migration } from '@mikro-orm/migrations';

/** The portal and the operator console: console users, browser sessions of both, single-use portal entries. */
export class Migration20261202160000_surfaces extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "console_users" ("id" text not null, "email" text not null, "name" text not null, "role" text check ("role" in ('admin', 'viewer')) not null, "password_hash" text not null, "locale" text check ("locale" in ('de', 'en')) not null default 'en', "created_at" timestamptz not null default now(), "disabled_at" timestamptz null, constraint "console_users_pkey" primary key ("id"), constraint console_users_email_check check (email = lower(email)));`,
    );
    this.addSql(`alter table "console_users" add constraint "console_users_email_unique" unique ("email");`);

    this.addSql(
      `create table "browser_sessions" ("id" uuid not null default gen_random_uuid(), "surface" text check ("surface" in ('portal', 'console')) not null, "token_hash" text not null, "csrf_token" text not null, "customer_id" text null, "user_id" text null, "return_url" text null, "expires_at" timestamptz not null, "created_at" timestamptz not null default now(), "revoked_at" timestamptz null, constraint "browser_sessions_pkey" primary key ("id"), constraint browser_sessions_owner_check check ((surface = 'portal' and customer_id is not null and user_id is null) or (surface = 'console' and user_id is not null and customer_id is null)));`,
    );
    this.addSql(
      `alter table "browser_sessions" add constraint "browser_sessions_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(
      `alter table "browser_sessions" add constraint "browser_sessions_user_id_foreign" foreign key ("user_id") references "console_users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `create table "portal_entries" ("id" uuid not null default gen_random_uuid(), "kind" text check ("kind" in ('session_url', 'email_link')) not null, "hash" text not null, "customer_id" text not null, "return_url" text null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "portal_entries_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "portal_entries" add constraint "portal_entries_hash_unique" unique ("hash");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "portal_entries" cascade;`);
    this.addSql(`drop table if exists "browser_sessions" cascade;`);
    this.addSql(`drop table if exists "console_users" cascade;`);
  }
}
