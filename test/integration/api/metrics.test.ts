import { Client } from 'pg';
import request from 'supertest';
import { BUSINESS_QUERY_TIMEOUT_MS } from '../../../src/api/metrics';
import { type ApiCall, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';

/** One sample of the exposition text, `undefined` when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean).sort().join(',');
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}

/** Every series of a metric as `labels → value`, to compare a labelled counter as a whole. */
function series(text: string, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (match && match[1] === name) found[match[2] ?? ''] = Number(match[3]);
  }
  return found;
}

/**
 * The business counters of `/metrics` after real flows through the API and a real worker on the dev server: they
 * are counted from the rows the worker wrote, so the API process reports what any number of workers did.
 */
describe('business metrics at /metrics', () => {
  let stack: ApiStack;
  let call: ApiCall;

  beforeAll(async () => {
    stack = await startApiStack('metrics');
    call = supertestCall(stack.app, stack.auth);
  });

  afterAll(async () => {
    await stack?.close();
  });

  async function ok(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
    const response = await call(method, path, body);
    if (response.status >= 300)
      throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const scrape = async () =>
    (
      await request(stack.app)
        .get('/metrics')
        .set(stack.auth)
        .expect(200)
        .expect('Content-Type', /text\/plain/)
    ).text;

  test('count renewals, charges by outcome, recoveries, emails and webhook attempts exactly', async () => {
    const empty = await scrape();
    expect(sample(empty, 'perennial_business_metrics_up')).toBe(1);
    expect(sample(empty, 'perennial_renewals_total')).toBe(0);
    expect(sample(empty, 'perennial_dunning_recoveries_total')).toBe(0);
    expect(series(empty, 'perennial_charges_total')).toEqual({});
    for (const name of ['perennial_emails_total', 'perennial_webhook_delivery_attempts_total'])
      expect(empty).toContain(`# TYPE ${name} counter`);

    await ok('PUT', '/v1/settings', {
      name: 'Rösterei Beispiel GmbH',
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      vat_id: 'DE123456789',
      default_currency: 'EUR',
    });
    const product = await ok('POST', '/v1/products', { name: 'Coffee' });
    const plan = await ok('POST', '/v1/plans', {
      product_id: product.id,
      name: 'Monthly beans',
      interval: 'month',
      amounts: { EUR: 1900 },
      trial_days: 0,
    });

    // Erika pays on a test clock: the first invoice, then two renewals as the clock moves two months on.
    const clock = await ok('POST', '/v1/test_clocks', { frozen_time: '2031-03-10T08:00:00.000Z' });
    const erika = await ok('POST', '/v1/customers', {
      email: 'erika@example.test',
      name: 'Erika Mustermann',
      locale: 'de',
      country: 'DE',
      test_clock_id: clock.id,
    });
    await ok('POST', `/v1/customers/${String(erika.id)}/payment_methods`, {
      gateway: 'sandbox',
      token: 'tok_visa',
    });
    await ok('POST', '/v1/subscriptions', { customer_id: erika.id, plan_id: plan.id });
    const clockReady = () => ok('GET', `/v1/test_clocks/${String(clock.id)}`);
    for (const frozenTime of ['2031-04-10T08:00:00.000Z', '2031-05-10T08:00:00.000Z']) {
      await ok('POST', `/v1/test_clocks/${String(clock.id)}/advance`, { frozen_time: frozenTime });
      await until('the clock', clockReady, (body) => body.status === 'ready');
    }

    // Max's card is declined, so his subscription starts incomplete; a working card recovers it.
    const max = await ok('POST', '/v1/customers', {
      email: 'max@example.test',
      name: 'Max Mustermann',
      locale: 'en',
      country: 'DE',
    });
    await ok('POST', `/v1/customers/${String(max.id)}/payment_methods`, {
      gateway: 'sandbox',
      token: 'tok_chargeDeclined',
    });
    const declined = await ok('POST', '/v1/subscriptions', { customer_id: max.id, plan_id: plan.id });
    expect(declined.status).toBe('incomplete');
    const card = await ok('POST', `/v1/customers/${String(max.id)}/payment_methods`, {
      gateway: 'sandbox',
      token: 'tok_visa',
    });
    const recovered = await ok('POST', `/v1/subscriptions/${String(declined.id)}/payment_method`, {
      payment_method_id: card.id,
    });
    expect(recovered.status).toBe('active');

    // Emails leave through the outbox after the activities that queue them; wait until none is pending.
    const text = await until(
      'the outbox to drain',
      scrape,
      (body) => sample(body, 'perennial_email_outbox_pending') === 0 && stack.catcher.messages().length > 0,
    );

    expect(sample(text, 'perennial_business_metrics_up')).toBe(1);
    expect(sample(text, 'perennial_email_outbox_pending')).toBe(0);
    expect(series(text, 'perennial_invoices_total')).toEqual({ 'billing_reason="subscription_cycle"': 4 });
    expect(sample(text, 'perennial_renewals_total')).toBe(2);
    expect(series(text, 'perennial_charges_total')).toEqual({
      'outcome="succeeded"': 4,
      'outcome="failed"': 1,
    });
    // 19 % German VAT on 19.00 EUR, four times.
    expect(series(text, 'perennial_charged_amount_minor_total')).toEqual({ 'currency="EUR"': 4 * 2261 });
    expect(sample(text, 'perennial_dunning_recoveries_total')).toBe(1);
    const emails = series(text, 'perennial_emails_total');
    const sentByKind: Record<string, number> = {};
    for (const [labels, value] of Object.entries(emails)) {
      const kind = /kind="([^"]+)"/.exec(labels)?.[1];
      if (kind && labels.includes('status="sent"')) sentByKind[kind] = value;
    }
    // A welcome per subscription, a receipt per paid invoice, and the failure notice of the declined first charge.
    expect(sentByKind).toEqual({ welcome: 2, receipt: 4, payment_failed: 1 });
    // What the counter says went out is what the SMTP server received.
    expect(Object.values(sentByKind).reduce((sum, value) => sum + value, 0)).toBe(
      stack.catcher.messages().length,
    );
    // No endpoint is registered, so no delivery was attempted.
    expect(series(text, 'perennial_webhook_delivery_attempts_total')).toEqual({});
  });

  test('a database too slow to answer bounds the scrape by the statement timeout and keeps the last figures', async () => {
    // Another session holds the invoices table exclusively, so the business query waits on its lock.
    const locker = new Client({ connectionString: stack.db.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table invoices in access exclusive mode');
      const started = Date.now();
      const text = await scrape();
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(BUSINESS_QUERY_TIMEOUT_MS - 100);
      expect(took).toBeLessThan(BUSINESS_QUERY_TIMEOUT_MS + 3000);
      expect(sample(text, 'perennial_business_metrics_up')).toBe(0);
      expect(sample(text, 'perennial_renewals_total')).toBe(2);
      expect(text).toContain('perennial_http_request_duration_seconds_bucket');
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    expect(sample(await scrape(), 'perennial_business_metrics_up')).toBe(1);
  });
});
