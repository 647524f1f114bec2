import { Migration } from '@mikro-orm/migrations';

/**
 * Tax per rate: a product's tax category, the rate each invoice line was taxed at (null on discount lines and on
 * lines written before), and the seller's rates for the countries outside the EU where it is registered.
 */
export class Migration20261202110000_tax_categories extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "products" add column "tax_category" text check ("tax_category" in ('standard', 'reduced', 'zero')) not null default 'standard';`,
    );
    this.addSql(`alter table "seller_settings" add column "tax_rates" jsonb not null default '{}';`);
    this.addSql(`alter table "invoice_lines" add column "tax_rate_bp" int null;`);
    this.addSql(
      `alter table "invoice_lines" add constraint invoice_lines_tax_rate_check check(tax_rate_bp >= 0 and tax_rate_bp <= 10000);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "invoice_lines" drop constraint invoice_lines_tax_rate_check;`);
    this.addSql(`alter table "invoice_lines" drop column "tax_rate_bp";`);
    this.addSql(`alter table "products" drop column "tax_category";`);
    this.addSql(`alter table "seller_settings" drop column "tax_rates";`);
  }
}
