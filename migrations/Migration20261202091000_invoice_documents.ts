import { Migration } from '@mikro-orm/migrations';

/** Invoice PDFs rendered once per status and language, kept for every later use. */
export class Migration20261202091000_invoice_documents extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "invoice_documents" ("invoice_id" text not null, "variant" text not null, "pdf" bytea not null, "created_at" timestamptz not null default now(), constraint "invoice_documents_pkey" primary key ("invoice_id", "variant"));`,
    );
    this.addSql(
      `alter table "invoice_documents" add constraint "invoice_documents_invoice_id_foreign" foreign key ("invoice_id") references "invoices" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "invoice_documents" cascade;`);
  }
}
