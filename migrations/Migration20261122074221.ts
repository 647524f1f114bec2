import { Migration } from '@mikro-orm/migrations';

export class Migration20261122074221 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "gateway_events" ("id" text not null, "gateway" text not null, "event_id" text not null, "provider_type" text not null, "type" text null, "payload" jsonb null, "subscription_id" text null, "received_at" timestamptz not null default now(), "processed_at" timestamptz null, constraint "gateway_events_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "gateway_events" add constraint "gateway_events_gateway_event_unique" unique ("gateway", "event_id");`,
    );

    this.addSql(
      `create table "webhook_delivery_attempts" ("id" uuid not null default gen_random_uuid(), "delivery_id" uuid not null, "attempt" int not null, "status" text check ("status" in ('succeeded', 'failed')) not null, "response_status" int null, "duration_ms" int not null, "error" text null, "attempted_at" timestamptz not null default now(), constraint "webhook_delivery_attempts_pkey" primary key ("id"), constraint webhook_delivery_attempts_attempt_check check (attempt >= 1), constraint webhook_delivery_attempts_duration_check check (duration_ms >= 0));`,
    );
    this.addSql(
      `alter table "webhook_delivery_attempts" add constraint "webhook_delivery_attempts_delivery_attempt_unique" unique ("delivery_id", "attempt");`,
    );

    this.addSql(
      `alter table "webhook_delivery_attempts" add constraint "webhook_delivery_attempts_delivery_id_foreign" foreign key ("delivery_id") references "webhook_deliveries" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "gateway_events" cascade;`);

    this.addSql(`drop table if exists "webhook_delivery_attempts" cascade;`);
  }
}
