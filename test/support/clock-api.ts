import request from 'supertest';
import type { ApiStack } from './api-stack';

export type Body = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * The public API as a test on test clocks uses it: calls, a seller, catalogue entries, customers on a clock with a
 * sandbox card, and clock advances that wait until every subscription on the clock has caught up.
 */
export class ClockApi {
  constructor(private readonly stack: Pick<ApiStack, 'app' | 'auth'>) {}

  async call(method: Method, path: string, body?: object, headers: Record<string, string> = {}) {
    const agent = request(this.stack.app);
    const pending =
      method === 'GET'
        ? agent.get(path)
        : method === 'PUT'
          ? agent.put(path)
          : method === 'DELETE'
            ? agent.delete(path)
            : agent.post(path);
    const response = await pending.set({ ...this.stack.auth, ...headers }).send(body);
    return { status: response.status, body: response.body as Body };
  }

  async ok(method: Method, path: string, body?: object, headers?: Record<string, string>): Promise<Body> {
    const response = await this.call(method, path, body, headers);
    if (response.status >= 300) {
      throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body;
  }

  async seller(overrides: Body = {}): Promise<void> {
    await this.ok('PUT', '/v1/settings', {
      name: 'Rösterei Beispiel GmbH',
      address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      vat_id: 'DE123456789',
      default_currency: 'EUR',
      ...overrides,
    });
  }

  /** A product with one plan; `plan` carries the plan's fields (interval, amounts or tiers, setup fees …). */
  async plan(name: string, plan: Body, product: Body = {}): Promise<string> {
    const created = await this.ok('POST', '/v1/products', { name, ...product });
    const body = await this.ok('POST', '/v1/plans', {
      product_id: created.id,
      name,
      interval: 'month',
      ...plan,
    });
    return String(body.id);
  }

  async clock(frozenTime: string): Promise<string> {
    return String((await this.ok('POST', '/v1/test_clocks', { frozen_time: frozenTime })).id);
  }

  /** A German customer on the clock, with a sandbox card (`token`) as default payment method unless null. */
  async customer(clockId: string, token: string | null = 'tok_visa', fields: Body = {}): Promise<string> {
    const customer = await this.ok('POST', '/v1/customers', {
      email: `kunde.${Math.random().toString(16).slice(2)}@example.test`,
      name: 'Erika Mustermann',
      locale: 'de',
      country: 'DE',
      test_clock_id: clockId,
      ...fields,
    });
    if (token) {
      await this.ok('POST', `/v1/customers/${String(customer.id)}/payment_methods`, {
        gateway: 'sandbox',
        token,
      });
    }
    return String(customer.id);
  }

  async untilReady(clockId: string, timeoutMs = 120_000): Promise<Body> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const clock = await this.ok('GET', `/v1/test_clocks/${clockId}`);
      if (clock.status === 'ready') return clock;
      if (Date.now() > deadline)
        throw new Error(`clock ${clockId} did not get ready: ${JSON.stringify(clock)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async advance(clockId: string, frozenTime: string): Promise<Body> {
    await this.ok('POST', `/v1/test_clocks/${clockId}/advance`, { frozen_time: frozenTime });
    return this.untilReady(clockId);
  }

  async invoices(subscriptionId: string): Promise<Body[]> {
    const page = await this.ok('GET', `/v1/invoices?subscription_id=${subscriptionId}&limit=100`);
    return page.data as Body[];
  }

  async subscription(subscriptionId: string): Promise<Body> {
    return this.ok('GET', `/v1/subscriptions/${subscriptionId}`);
  }
}

/** An invoice's lines as [kind, amount] pairs, the way the tests compare them with hand-computed ones. */
export const linesOf = (invoice: Body) =>
  (invoice.lines as Body[]).map((line) => [line.kind, line.amount] as [string, number]);
