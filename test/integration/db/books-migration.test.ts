import { initOrm, type Orm } from '../../../src/db/orm.config';
import { createEmptyDatabase } from '../../support/database';

/**
 * Credit notes written before credit notes were documents get their numbers and VAT-split lines from the
 * migration that made them documents: numbered per series and year in the order they were created.
 */
describe('the books migration on a database with credit notes', () => {
  let database: { url: string; drop(): Promise<void> };
  let orm: Orm;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    orm = await initOrm(database.url, { poolMax: 2 });
  });

  afterAll(async () => {
    await orm?.close(true);
    await database?.drop();
  });

  test('numbers live and test-clock notes in series of their own and splits each like its invoice', async () => {
    const migrator = orm.getMigrator();
    await migrator.up({ to: 'Migration20261122091000_portal_sessions' });
    const sql = orm.em.getConnection();
    await sql.execute(
      `insert into seller_settings (id, name, address, country, time_zone, default_currency, dunning_policy)
       values (1, 'Seller', '{}', 'DE', 'Europe/Berlin', 'EUR', '{}')`,
    );
    await sql.execute(`insert into test_clocks (id, frozen_time) values ('clock_1', '2026-01-01T00:00:00Z')`);
    await sql.execute(
      `insert into customers (id, email, name, country, test_clock_id) values
         ('cus_live', 'live@example.test', 'Live', 'DE', null),
         ('cus_test', 'test@example.test', 'Test', 'DE', 'clock_1')`,
    );
    const invoice = (id: string, customer: string, total: number, taxes: string) =>
      sql.execute(
        `insert into invoices (id, customer_id, billing_reason, status, number, currency, subtotal, discount_total,
           tax_total, total, credit_applied, credit_to_balance, amount_due, amount_paid, taxes, finalized_at, paid_at,
           version)
         values (?, ?, 'manual', 'paid', ?, 'EUR', 0, 0, 0, ?, 0, 0, ?, ?, ?, now(), now(), 1)`,
        [id, customer, `N-${id}`, total, total, total, taxes],
      );
    await invoice(
      'in_1',
      'cus_live',
      2261,
      '[{"rateBp":1900,"taxable":1900,"amount":361,"reverseCharge":false,"inclusive":false}]',
    );
    await invoice('in_2', 'cus_test', 1500, '[]');
    const note = (id: string, invoiceId: string, customer: string, amount: number, createdAt: string) =>
      sql.execute(
        `insert into credit_notes (id, invoice_id, customer_id, amount, currency, reason, outcome, idempotency_key, created_at)
         values (?, ?, ?, ?, 'EUR', 'r', 'none', ?, ?)`,
        [id, invoiceId, customer, amount, `key-${id}`, createdAt],
      );
    // Berlin: 2025-12-31T23:30Z is already 2026; the test-clock note counts in its own series.
    await note('cn_a', 'in_1', 'cus_live', 1000, '2025-12-31T22:30:00Z');
    await note('cn_b', 'in_1', 'cus_live', 500, '2025-12-31T23:30:00Z');
    await note('cn_c', 'in_1', 'cus_live', 761, '2026-03-01T10:00:00Z');
    await note('cn_t', 'in_2', 'cus_test', 700, '2026-03-01T10:00:00Z');

    await migrator.up();

    const numbers = await sql.execute<{ id: string; number: string }[]>(
      `select id, number from credit_notes order by id`,
    );
    expect(numbers).toEqual([
      { id: 'cn_a', number: 'CN-2025-000001' },
      { id: 'cn_b', number: 'CN-2026-000001' },
      { id: 'cn_c', number: 'CN-2026-000002' },
      { id: 'cn_t', number: 'CN-TEST-2026-000001' },
    ]);
    const sequences = await sql.execute(
      `select series, year, last_number from credit_note_number_sequences order by series, year`,
    );
    expect(sequences).toEqual([
      { series: 'live', year: 2025, last_number: 1 },
      { series: 'live', year: 2026, last_number: 2 },
      { series: 'test', year: 2026, last_number: 1 },
    ]);
    const lines = await sql.execute<
      { credit_note_id: string; rate_bp: number; taxable: string; tax: string }[]
    >(
      `select credit_note_id, rate_bp, taxable::text, tax::text from credit_note_lines order by credit_note_id`,
    );
    // 1000 of 2261 at 19 %: 1000 × 1900/2261 = 840.3 → 840, 1000 × 361/2261 = 159.7 → 160 (largest remainder);
    // 500: 420.17 → 420, 79.83 → 80; 761: 639.495 and 121.504, the leftover cent to the larger remainder → 639 + 122.
    expect(lines).toEqual([
      { credit_note_id: 'cn_a', rate_bp: 1900, taxable: '840', tax: '160' },
      { credit_note_id: 'cn_b', rate_bp: 1900, taxable: '420', tax: '80' },
      { credit_note_id: 'cn_c', rate_bp: 1900, taxable: '639', tax: '122' },
      { credit_note_id: 'cn_t', rate_bp: 0, taxable: '700', tax: '0' },
    ]);
  });
});
