import { Migration } from '@mikro-orm/migrations';

/** Portal sessions are API keys scoped to one customer and expiring soon. */
export class Migration20261122091000_portal_sessions extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "api_keys" add column "customer_id" text null, add column "expires_at" timestamptz null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_keys" drop column "customer_id", drop column "expires_at";`);
  }
}
