import { Migration } from '@mikro-orm/migrations';

/** The seller's email sender (`{name, address}`), the From of the emails the outbox relay sends; null: `MAIL_FROM`. */
export class Migration20261203120000_email_sender extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "seller_settings" add column "email_sender" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "seller_settings" drop column "email_sender";`);
  }
}
