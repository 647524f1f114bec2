import { parse } from 'csv-parse/sync';
import { execFile } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import {
  COHORT_COLUMNS,
  cohortReportSchema,
  MRR_MOVEMENT_COLUMNS,
  mrrMovementListSchema,
  REVENUE_COLUMNS,
  revenueReportSchema,
} from '../../../src/api/schemas/analytics';
import { seedRevenueScenario, type RevenueScenario } from '../../support/revenue-scenario';
import { documented, documentedError, startApiHarness, type ApiHarness } from './harness';
import { month, QUIET_MOVEMENTS } from '../../support/revenue-rows';

/**
 * The scenario of test/support/revenue-scenario.ts through the API, each figure worked out by hand below. MRR per
 * subscription (docs/analytics.md has the rules): A 50.00 monthly = 5000, upgraded to 8000; B yearly 1200.00 =
 * 120000 ÷ 12 = 10000; C quarterly 300.00 less 10 % = 27000 ÷ 3 = 9000, downgraded to 150.00 less 10 % = 13500 ÷ 3
 * = 4500; D monthly 2000 from its trial's end; E weekly 10.00 = 1000 × 52 ÷ 12 = 4333.33 → 4333; A's second
 * subscription 1000. Metered items (777 a period on each) never count.
 */
describe('revenue figures through /v1/analytics', () => {
  let h: ApiHarness;
  let scenario: RevenueScenario;

  beforeAll(async () => {
    h = await startApiHarness();
    scenario = await seedRevenueScenario(h.db.orm);
  });

  afterAll(async () => {
    await h?.close();
  });

  const get = (path: string) => request(h.app).get(path).set(h.auth);
  const revenue = async (query: string) =>
    documented(revenueReportSchema, await get(`/v1/analytics/revenue?${query}`).expect(200));

  test('MRR, movements, churn, retention, ARPU, LTV, trials and dunning of each month equal the hand-computed figures', async () => {
    const report = await revenue('from=2027-01-01&to=2027-04-30');
    expect(report).toMatchObject({
      object: 'revenue_report',
      interval: 'month',
      time_zone: 'UTC',
      include_test_mode: false,
      gross_margin_basis_points: 10_000,
      reporting_currency: null,
      unconverted_currencies: [],
    });
    expect(report.data.map((row) => `${row.currency} ${row.period}`)).toEqual([
      ...['EUR', 'JPY', 'USD'].flatMap((c) =>
        ['2027-01', '2027-02', '2027-03', '2027-04'].map((m) => `${c} ${m}`),
      ),
    ]);
    const eur = report.data.filter((row) => row.currency === 'EUR');

    // January: A 5000 (01-05), B 10000 (01-10), C 9000 (01-20) are new; D starts a trial (01-25). G (99.00 on a
    // test clock) is test mode and left out. Nobody paid at the start, so every rate over the start is null.
    expect(eur[0]).toEqual({
      currency: 'EUR',
      ...month('2027-01', '2027-01-01', '2027-02-01'),
      ...QUIET_MOVEMENTS,
      mrr_start: 0,
      mrr: 24_000, // 5000 + 10000 + 9000
      arr: 288_000, // 12 × 24000
      new_mrr: 24_000,
      new_count: 3,
      net_new_mrr: 24_000,
      trial_starts: 1,
      trial_conversion_rate: '1.0000', // D, started in January, converted on 02-08: 1 of 1
      active_subscriptions: 3,
      active_customers: 3,
      customers_at_start: 0,
      churned_customers: 0,
      logo_churn_rate: null,
      revenue_churn_rate: null,
      gross_revenue_retention: null,
      net_revenue_retention: null,
      arpu: 8000, // 24000 ÷ 3
      ltv: null, // no churn measured
    });

    // February: E new 4333 (02-03), D converts: new 2000 (02-08), A 5000 → 8000: expansion +3000 (02-10), B past
    // due and recovered (02-12, 02-14: MRR unchanged), F starts a trial (02-15), C 9000 → 4500: contraction −4500.
    expect(eur[1]).toEqual({
      currency: 'EUR',
      ...month('2027-02', '2027-02-01', '2027-03-01'),
      ...QUIET_MOVEMENTS,
      mrr_start: 24_000,
      mrr: 28_833, // 24000 + 4333 + 2000 + 3000 − 4500
      arr: 345_996, // 12 × 28833
      new_mrr: 6333, // 4333 + 2000
      new_count: 2,
      expansion_mrr: 3000,
      expansion_count: 1,
      contraction_mrr: -4500,
      contraction_count: 1,
      net_new_mrr: 4833, // 6333 + 3000 − 4500 = 28833 − 24000
      trial_starts: 1,
      trial_conversions: 1,
      trial_conversion_rate: '0.0000', // F, started in February, never converted: 0 of 1
      active_subscriptions: 5, // A, B, C, D, E
      active_customers: 5,
      customers_at_start: 3, // A 5000, B 10000, C 9000 = 24000
      churned_customers: 0,
      logo_churn_rate: '0.0000',
      revenue_churn_rate: '0.1875', // lost: C 9000 − 4500 = 4500; 4500 ÷ 24000
      gross_revenue_retention: '0.8125', // min(5000, 8000) + min(10000, 10000) + min(9000, 4500) = 19500 ÷ 24000
      net_revenue_retention: '0.9375', // (8000 + 10000 + 4500) = 22500 ÷ 24000
      arpu: 5767, // 28833 ÷ 5 = 5766.6
      ltv: 30_755, // ARPU ÷ churn = (28833 ÷ 5) ÷ (4500 ÷ 24000) = 28833 × 24000 ÷ 22500 = 30755.2
      dunning_recovered: 1, // B's renewal: failed 02-12, paid 02-14
      dunning_recovery_rate: '1.0000',
      dunning_recovered_amount: 142_800,
    });

    // March: F's trial ends without converting (03-01), E is paused after dunning (03-05): churn −4333, B cancels
    // (03-15): churn −10000. E's invoice is marked uncollectible (03-05): a dunning loss.
    expect(eur[2]).toEqual({
      currency: 'EUR',
      ...month('2027-03', '2027-03-01', '2027-04-01'),
      ...QUIET_MOVEMENTS,
      mrr_start: 28_833,
      mrr: 14_500, // 28833 − 4333 − 10000 = A 8000 + C 4500 + D 2000
      arr: 174_000,
      churn_mrr: -14_333,
      churn_count: 2,
      net_new_mrr: -14_333,
      active_subscriptions: 3,
      active_customers: 3,
      customers_at_start: 5,
      churned_customers: 2, // B and E
      logo_churn_rate: '0.4000', // 2 ÷ 5
      revenue_churn_rate: '0.4971', // (4333 + 10000) ÷ 28833 = 0.49710…
      gross_revenue_retention: '0.5029', // (8000 + 4500 + 2000) ÷ 28833 = 0.50289…
      net_revenue_retention: '0.5029', // no expansion among them: the same 14500 ÷ 28833
      arpu: 4833, // 14500 ÷ 3 = 4833.33
      ltv: 9723, // (14500 ÷ 3) ÷ (14333 ÷ 28833) = 14500 × 28833 ÷ 42999 = 418078500 ÷ 42999 = 9722.98
      dunning_lost: 1,
      dunning_recovery_rate: '0.0000', // 0 of 1
    });

    // April: E resumes (04-02): reactivation +4333; A takes a second subscription of 1000 (04-10): new +1000.
    expect(eur[3]).toEqual({
      currency: 'EUR',
      ...month('2027-04', '2027-04-01', '2027-05-01'),
      ...QUIET_MOVEMENTS,
      mrr_start: 14_500,
      mrr: 19_833, // 14500 + 4333 + 1000
      arr: 237_996,
      new_mrr: 1000,
      new_count: 1,
      reactivation_mrr: 4333,
      reactivation_count: 1,
      net_new_mrr: 5333,
      active_subscriptions: 5, // A1, A2, C, D, E
      active_customers: 4, // A, C, D, E
      customers_at_start: 3, // A 8000, C 4500, D 2000 = 14500
      churned_customers: 0,
      logo_churn_rate: '0.0000',
      revenue_churn_rate: '0.0000',
      gross_revenue_retention: '1.0000',
      net_revenue_retention: '1.0690', // A 8000 + 1000, C 4500, D 2000 = 15500 ÷ 14500 = 1.06896…; E was not there
      arpu: 4958, // 19833 ÷ 4 = 4958.25
      ltv: null, // nothing churned: the expected lifetime is unbounded
    });

    // Other currencies never mix into EUR: H's 30.00 USD and I's 5000 JPY from March.
    const usd = report.data.filter((row) => row.currency === 'USD');
    expect(usd.map((row) => [row.period, row.mrr, row.new_mrr, row.arpu])).toEqual([
      ['2027-01', 0, 0, null],
      ['2027-02', 0, 0, null],
      ['2027-03', 3000, 3000, 3000],
      ['2027-04', 3000, 0, 3000],
    ]);
    expect(report.data.filter((row) => row.currency === 'JPY').map((row) => row.mrr)).toEqual([
      0, 0, 5000, 5000,
    ]);
  });

  test('test-mode (test clock) data is left out unless include_test_mode=true', async () => {
    const live = await revenue('from=2027-01-01&to=2027-02-28&currency=EUR');
    const all = await revenue('from=2027-01-01&to=2027-02-28&currency=EUR&include_test_mode=true');
    expect(all.include_test_mode).toBe(true);
    // G: 99.00 a month from 01-07; its recovered invoice of 117.81 on 02-09.
    expect([live.data[0]!.mrr, all.data[0]!.mrr]).toEqual([24_000, 24_000 + 9900]);
    expect([live.data[0]!.new_count, all.data[0]!.new_count]).toEqual([3, 4]);
    expect([live.data[1]!.dunning_recovered, all.data[1]!.dunning_recovered]).toEqual([1, 2]);
    expect(all.data[1]!.dunning_recovered_amount).toBe(142_800 + 11_781);
  });

  test('the gross margin scales LTV: at 80 %, February 30755.2 × 0.8 = 24604.16 and March 9722.98 × 0.8 = 7778.39', async () => {
    const report = await revenue('from=2027-02-01&to=2027-03-31&currency=EUR&gross_margin_basis_points=8000');
    expect(report.gross_margin_basis_points).toBe(8000);
    expect(report.data.map((row) => row.ltv)).toEqual([24_604, 7778]);
  });

  test('by day and by ISO week: the same ledger in smaller buckets', async () => {
    const day = await revenue('from=2027-02-10&to=2027-02-10&interval=day&currency=EUR');
    // Before 02-10: 24000 + E 4333 + D 2000 = 30333; A's upgrade that day +3000.
    expect(day.data).toEqual([
      expect.objectContaining({ period: '2027-02-10', mrr_start: 30_333, mrr: 33_333, expansion_mrr: 3000 }),
    ]);
    const week = await revenue('from=2027-02-10&to=2027-02-10&interval=week&currency=EUR');
    // The week of Monday 02-08: D new 2000 (02-08), A +3000 (02-10), B's invoice recovered (02-14).
    expect(week.data).toEqual([
      expect.objectContaining({
        period: '2027-02-08',
        period_start: '2027-02-08T00:00:00.000Z',
        period_end: '2027-02-15T00:00:00.000Z',
        mrr_start: 28_333,
        mrr: 33_333,
        new_mrr: 2000,
        expansion_mrr: 3000,
        trial_conversions: 1,
        dunning_recovered: 1,
      }),
    ]);
  });

  test('the cohort table: customers still paying and their MRR by months since they started', async () => {
    const report = documented(
      cohortReportSchema,
      await get('/v1/analytics/cohorts?from=2027-01-01&to=2027-04-30').expect(200),
    );
    const cells = report.data.map((row) => [
      row.currency,
      row.cohort,
      row.cohort_customers,
      row.months_since_start,
      row.active_customers,
      row.mrr,
      row.customer_retention,
      row.mrr_retention,
    ]);
    expect(cells).toEqual([
      // January: A, B, C. D started its trial in January but first paid in February, so it is February's.
      ['EUR', '2027-01', 3, 0, 3, 24_000, '1.0000', '1.0000'], // 5000 + 10000 + 9000
      ['EUR', '2027-01', 3, 1, 3, 22_500, '1.0000', '0.9375'], // 8000 + 10000 + 4500; 22500 ÷ 24000
      ['EUR', '2027-01', 3, 2, 2, 12_500, '0.6667', '0.5208'], // B gone: 8000 + 4500; 12500 ÷ 24000 = 0.52083
      ['EUR', '2027-01', 3, 3, 2, 13_500, '0.6667', '0.5625'], // A 8000 + 1000, C 4500; 13500 ÷ 24000
      // February: E and D.
      ['EUR', '2027-02', 2, 0, 2, 6333, '1.0000', '1.0000'], // 4333 + 2000
      ['EUR', '2027-02', 2, 1, 1, 2000, '0.5000', '0.3158'], // E paused; 2000 ÷ 6333 = 0.31580
      ['EUR', '2027-02', 2, 2, 2, 6333, '1.0000', '1.0000'], // E resumed
      ['JPY', '2027-03', 1, 0, 1, 5000, '1.0000', '1.0000'],
      ['JPY', '2027-03', 1, 1, 1, 5000, '1.0000', '1.0000'],
      ['USD', '2027-03', 1, 0, 1, 3000, '1.0000', '1.0000'],
      ['USD', '2027-03', 1, 1, 1, 3000, '1.0000', '1.0000'],
    ]);
  });

  test('CSV with Accept: text/csv has the JSON rows, column for column, and parses back', async () => {
    const query = 'from=2027-01-01&to=2027-04-30';
    for (const [route, columns] of [
      ['revenue', REVENUE_COLUMNS],
      ['cohorts', COHORT_COLUMNS],
      ['mrr_movements', MRR_MOVEMENT_COLUMNS],
    ] as const) {
      const path =
        route === 'mrr_movements' ? `/v1/analytics/${route}?limit=100` : `/v1/analytics/${route}?${query}`;
      const json = (await get(path).expect(200)).body as { data: Record<string, unknown>[] };
      const csv = await get(path).set('Accept', 'text/csv').expect(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toBe(
        `attachment; filename=${route === 'mrr_movements' ? 'mrr-movements' : route}.csv`,
      );
      expect(csv.text.split('\r\n')[0]).toBe(columns.join(','));
      const parsed = parse(csv.text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
      expect(parsed.length).toBe(json.data.length);
      expect(parsed.length).toBeGreaterThan(0);
      // Every field is the JSON value as text: numbers as digits, rates as their decimal string, null as empty.
      expect(parsed).toEqual(
        json.data.map((row) =>
          Object.fromEntries(
            columns.map((column) => [column, row[column] === null ? '' : String(row[column])]),
          ),
        ),
      );
    }
    // And as a spreadsheet reads it: February's EUR row.
    const csv = await get(`/v1/analytics/revenue?${query}&currency=EUR`).set('Accept', 'text/csv');
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows[1]).toMatchObject({
      period: '2027-02',
      mrr: '28833',
      net_revenue_retention: '0.9375',
      ltv: '30755',
    });
    expect(rows[0]).toMatchObject({ logo_churn_rate: '', arpu: '8000' });
  });

  test('the ledger behind the figures is listed movement by movement, filtered and test mode left out', async () => {
    const list = async (query: string) =>
      documented(
        mrrMovementListSchema,
        await get(`/v1/analytics/mrr_movements?limit=100&${query}`).expect(200),
      );
    expect((await list('')).data).toHaveLength(13); // 14 movements, less G's in test mode
    expect((await list('include_test_mode=true')).data).toHaveLength(14);
    const e = await list(`subscription_id=${scenario.subscriptions.e1}`);
    expect(e.data.map((row) => [row.sequence, row.kind, row.mrr_before, row.mrr_after, row.delta])).toEqual([
      [1, 'new', 0, 4333, 4333],
      [2, 'churn', 4333, 0, -4333],
      [3, 'reactivation', 0, 4333, 4333],
    ]);
    expect((await list('kind=churn')).data.map((row) => row.subscription_id).sort()).toEqual(
      [scenario.subscriptions.b1, scenario.subscriptions.e1].sort(),
    );
    const march = await list('from=2027-03-01&to=2027-03-31');
    expect(march.data.map((row) => row.occurred_at)).toEqual([
      '2027-03-03T09:00:00.000Z',
      '2027-03-05T09:00:00.000Z',
      '2027-03-15T09:00:00.000Z',
      '2027-03-20T09:00:00.000Z',
    ]);
    // Pages of 5 follow each other without gap or repeat.
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; next_cursor: string | null } = documented(
        mrrMovementListSchema,
        await get(`/v1/analytics/mrr_movements?limit=5${cursor ? `&starting_after=${cursor}` : ''}`).expect(
          200,
        ),
      );
      pages.push(...page.data.map((row: { id: string }) => row.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages).toEqual((await list('')).data.map((row) => row.id));
  });

  test('a reporting currency converts only where the seller gave a rate, and says which currencies it left out', async () => {
    const refused = await get(
      '/v1/analytics/revenue?from=2027-03-01&to=2027-03-31&in_reporting_currency=true',
    );
    expect(refused.status).toBe(422);
    expect(documentedError(refused)).toMatchObject({
      code: 'no_reporting_currency',
      param: 'in_reporting_currency',
    });

    const defaults = await get('/v1/analytics/settings').expect(200);
    expect(defaults.body).toEqual({
      object: 'analytics_settings',
      gross_margin_basis_points: 10_000,
      reporting_currency: null,
      exchange_rates: {},
      updated_at: null,
    });
    const put = await request(h.app)
      .put('/v1/analytics/settings')
      .set(h.auth)
      .send({ reporting_currency: 'EUR', exchange_rates: { USD: '0.9' } })
      .expect(200);
    expect(put.body).toMatchObject({ reporting_currency: 'EUR', exchange_rates: { USD: '0.9' } });

    const report = await revenue('from=2027-03-01&to=2027-04-30&in_reporting_currency=true');
    expect(report).toMatchObject({
      reporting_currency: 'EUR',
      exchange_rates: { USD: '0.9' },
      unconverted_currencies: ['JPY'],
    });
    // H's 3000 USD × 0.9 = 2700 EUR joins the EUR figures; I's JPY has no rate and stays out.
    expect(
      report.data.map((row) => [row.currency, row.period, row.mrr, row.new_mrr, row.active_customers]),
    ).toEqual([
      ['EUR', '2027-03', 14_500 + 2700, 2700, 4],
      ['EUR', '2027-04', 19_833 + 2700, 1000, 5],
    ]);

    const both = await get(
      '/v1/analytics/revenue?from=2027-03-01&to=2027-03-31&in_reporting_currency=true&currency=USD',
    );
    expect(both.status).toBe(400);
    expect(documentedError(both).param).toBe('currency');
  });

  test('bad settings and bad ranges are 400s that name the parameter', async () => {
    const settings = (body: object) => request(h.app).put('/v1/analytics/settings').set(h.auth).send(body);
    for (const [body, param] of [
      [{ exchange_rates: { USD: '0.9' } }, 'exchange_rates'],
      [{ reporting_currency: 'EUR', exchange_rates: { USD: '0' } }, 'exchange_rates.USD'],
      [{ reporting_currency: 'EUR', exchange_rates: { USD: '0.9e1' } }, 'exchange_rates.USD'],
      [{ reporting_currency: 'EUR', exchange_rates: { EUR: '1' } }, 'exchange_rates.EUR'],
      [{ gross_margin_basis_points: 10_001 }, 'gross_margin_basis_points'],
      [{ gross_margin_basis_points: 0.5 }, 'gross_margin_basis_points'],
    ] as const) {
      const response = await settings(body);
      expect({ param, status: response.status }).toEqual({ param, status: 400 });
      expect(documentedError(response).param).toBe(param);
    }
    for (const [query, param, code] of [
      ['from=2027-02-01&to=2027-01-01', 'to', 'invalid_report_range'],
      ['from=2027-02-30&to=2027-03-01', 'from', 'invalid_report_range'],
      ['from=2027-01-01&to=2028-12-31&interval=day', 'to', 'invalid_report_range'],
      ['from=2027-01-01&to=2027-02-01&interval=quarter', 'interval', 'invalid_parameter'],
      ['from=2027-01-01&to=2027-02-01&currency=eur', 'currency', 'invalid_parameter'],
      [
        'from=2027-01-01&to=2027-02-01&gross_margin_basis_points=-1',
        'gross_margin_basis_points',
        'invalid_parameter',
      ],
      ['from=2027-01-01', 'to', 'invalid_parameter'],
    ] as const) {
      const response = await get(`/v1/analytics/revenue?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(documentedError(response)).toMatchObject({ param, code });
    }
  });

  test('npm run analytics:rebuild -- --check finds the recorded ledger equal to the one the events give', async () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const output = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
          'scripts/analytics-rebuild.ts',
          '--check',
        ],
        { cwd: root, env: { ...process.env, DATABASE_URL: h.db.url }, timeout: 60_000 },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
    });
    expect(output).toEqual({
      code: 0,
      stdout: expect.stringContaining(
        '14 movements and 3 trial marks from the events; 0 differed from the recorded ledger (checked only',
      ),
    });
  });
});
