import { Migration } from '@mikro-orm/migrations';

type TaxRow = { rateBp: number; taxable: number; amount: number; reverseCharge: boolean; inclusive: boolean };
type NoteRow = { id: string; number: string; amount: string; total: string; taxes: TaxRow[] };

/**
 * Largest-remainder split of `total` over non-negative weights, ties to the earlier index. A frozen copy of the
 * domain's allocation (a migration must keep doing what it did when it was written, whatever the domain becomes).
 */
function split(total: bigint, weights: bigint[]): bigint[] {
  const sum = weights.reduce((acc, weight) => acc + weight, 0n);
  if (sum === 0n) return weights.map(() => 0n);
  const shares = weights.map((weight, index) => ({
    index,
    base: (total * weight) / sum,
    remainder: (total * weight) % sum,
  }));
  let leftover = total - shares.reduce((acc, share) => acc + share.base, 0n);
  const order = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  const bonus = new Set<number>();
  for (const share of order) {
    if (leftover <= 0n) break;
    bonus.add(share.index);
    leftover -= 1n;
  }
  return shares.map((share) => share.base + (bonus.has(share.index) ? 1n : 0n));
}

/**
 * The books: credit notes become numbered documents with VAT-split lines, customers get their e-invoice delivery,
 * buyer reference and debtor number, the seller its accounting settings. Credit notes written before this migration
 * are numbered in the order they were created (per series and year of the seller's calendar) and get their lines
 * from the invoice they correct, so every note satisfies the same constraints.
 */
export class Migration20261202140000_books extends Migration {
  override async up(): Promise<void> {
    // Executed one by one (not queued), because the backfill below reads what the first statements create.
    const statements = [
      `create table "credit_note_number_sequences" ("series" text check ("series" in ('live', 'test')) not null, "year" int not null, "last_number" int not null, "updated_at" timestamptz not null default now(), constraint "credit_note_number_sequences_pkey" primary key ("series", "year"), constraint credit_note_number_sequences_year_check check (year >= 2000 and year <= 9999), constraint credit_note_number_sequences_last_number_check check (last_number >= 1));`,
      `create table "credit_note_lines" ("id" uuid not null default gen_random_uuid(), "credit_note_id" text not null, "position" int not null, "description" text not null, "rate_bp" int not null, "taxable" bigint not null, "tax" bigint not null, "reverse_charge" boolean not null, "inclusive" boolean not null, constraint "credit_note_lines_pkey" primary key ("id"), constraint credit_note_lines_position_check check (position >= 0), constraint credit_note_lines_rate_check check (rate_bp >= 0 and rate_bp <= 10000));`,
      `alter table "credit_note_lines" add constraint "credit_note_lines_credit_note_position_unique" unique ("credit_note_id", "position");`,
      `alter table "credit_note_lines" add constraint "credit_note_lines_credit_note_id_foreign" foreign key ("credit_note_id") references "credit_notes" ("id") on update cascade on delete cascade;`,
      `alter table "seller_settings" add column "accounting" jsonb null;`,
      `alter table "customers" add column "invoice_delivery" text check ("invoice_delivery" in ('pdf', 'xrechnung', 'zugferd')) not null default 'pdf', add column "buyer_reference" text null, add column "debtor_number" int null;`,
      `alter table "customers" add constraint "customers_debtor_number_unique" unique ("debtor_number");`,
      `alter table "customers" add constraint customers_debtor_number_check check(debtor_number is null or debtor_number >= 1);`,
      `alter table "credit_notes" add column "number" text null;`,
    ];
    for (const statement of statements) await this.execute(statement);

    const numbered = `with zone as (
        select coalesce((select time_zone from seller_settings where id = 1), 'UTC') as tz
      ), numbered as (
        select cn.id,
          case when c.test_clock_id is null then 'live' else 'test' end as series,
          extract(year from cn.created_at at time zone (select tz from zone))::int as year,
          row_number() over (
            partition by c.test_clock_id is null, extract(year from cn.created_at at time zone (select tz from zone))
            order by cn.created_at, cn.id
          ) as n
        from credit_notes cn join customers c on c.id = cn.customer_id
      )`;
    await this.execute(
      `${numbered}
      update credit_notes cn
         set number = case when numbered.series = 'live' then 'CN-' else 'CN-TEST-' end || numbered.year || '-' ||
                      case when numbered.n < 1000000 then lpad(numbered.n::text, 6, '0') else numbered.n::text end
        from numbered where numbered.id = cn.id;`,
    );
    await this.execute(
      `${numbered}
      insert into credit_note_number_sequences (series, year, last_number)
      select series, year, max(n) from numbered group by series, year;`,
    );

    const notes = await this.execute(
      `select cn.id, cn.number, cn.amount::text as amount, i.total::text as total, i.taxes
         from credit_notes cn join invoices i on i.id = cn.invoice_id order by cn.created_at, cn.id`,
    );
    for (const note of notes as NoteRow[]) {
      // An invoice without tax lines is all net; otherwise each rate's net and tax are weights of their own.
      const taxes: TaxRow[] =
        note.taxes.length > 0
          ? note.taxes
          : [{ rateBp: 0, taxable: Number(note.total), amount: 0, reverseCharge: false, inclusive: false }];
      const shares = split(
        BigInt(note.amount),
        taxes.flatMap((tax) => [BigInt(tax.taxable), BigInt(tax.amount)]),
      );
      for (const [position, tax] of taxes.entries()) {
        await this.execute(
          `insert into credit_note_lines (credit_note_id, position, description, rate_bp, taxable, tax, reverse_charge, inclusive)
           values (?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            note.id,
            position,
            `Credit note ${note.number}`,
            tax.rateBp,
            String(shares[2 * position] ?? 0n),
            String(shares[2 * position + 1] ?? 0n),
            tax.reverseCharge,
            tax.inclusive,
          ],
        );
      }
    }

    await this.execute(`alter table "credit_notes" alter column "number" set not null;`);
    await this.execute(
      `alter table "credit_notes" add constraint "credit_notes_number_unique" unique ("number");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "credit_notes" drop constraint if exists "credit_notes_number_unique";`);
    this.addSql(`alter table "credit_notes" drop column if exists "number";`);
    this.addSql(`alter table "customers" drop constraint if exists customers_debtor_number_check;`);
    this.addSql(`alter table "customers" drop constraint if exists "customers_debtor_number_unique";`);
    this.addSql(
      `alter table "customers" drop column if exists "invoice_delivery", drop column if exists "buyer_reference", drop column if exists "debtor_number";`,
    );
    this.addSql(`alter table "seller_settings" drop column if exists "accounting";`);
    this.addSql(`drop table if exists "credit_note_lines" cascade;`);
    this.addSql(`drop table if exists "credit_note_number_sequences" cascade;`);
  }
}
