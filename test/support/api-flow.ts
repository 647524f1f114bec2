import type { Express } from 'express';
import request from 'supertest';

/** One HTTP call, however the test reaches the API (supertest in process, fetch across processes). */
export type ApiCall = (
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/** An in-process call through supertest, with the given headers (a secret key, a portal token, none at all). */
export function supertestCall(app: Express, headers: Record<string, string>): ApiCall {
  return async (method, path, body) => {
    const agent = request(app);
    const pending =
      method === 'GET' ? agent.get(path) : method === 'PUT' ? agent.put(path) : agent.post(path);
    const response = await pending.set(headers).send(body as object);
    return { status: response.status, body: response.body as Record<string, unknown> };
  };
}

export function fetchCall(baseUrl: string, apiKey: string): ApiCall {
  return async (method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

/** A call that must succeed: anything but a 2xx fails the test with the answer in the message. */
export async function ok(call: ApiCall, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
  const response = await call(method, path, body);
  if (response.status >= 300)
    throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A customer created through the API with a sandbox card attached (a test token such as `tok_visa`). */
export async function customerWithCard(call: ApiCall, customer: Record<string, unknown>, token = 'tok_visa') {
  const created = await ok(call, 'POST', '/v1/customers', customer);
  await ok(call, 'POST', `/v1/customers/${String(created.id)}/payment_methods`, {
    gateway: 'sandbox',
    token,
  });
  return created;
}

/**
 * The README walkthrough as code: seller settings, a product with a monthly plan, a customer with a sandbox card,
 * and a subscription, all through the public API.
 */
export async function subscribeThroughApi(
  call: ApiCall,
  options: { token?: string; trialDays?: number; customerEmail?: string } = {},
) {
  await ok(call, 'PUT', '/v1/settings', {
    name: 'Rösterei Beispiel GmbH',
    address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
    country: 'DE',
    vat_id: 'DE123456789',
    default_currency: 'EUR',
  });
  const product = await ok(call, 'POST', '/v1/products', { name: 'Coffee' });
  const plan = await ok(call, 'POST', '/v1/plans', {
    product_id: product.id,
    name: 'Monthly beans',
    interval: 'month',
    amounts: { EUR: 1900 },
    trial_days: options.trialDays ?? 0,
  });
  const customer = await customerWithCard(
    call,
    {
      email: options.customerEmail ?? 'erika@example.test',
      name: 'Erika Mustermann',
      locale: 'de',
      country: 'DE',
    },
    options.token,
  );
  const subscription = await ok(call, 'POST', '/v1/subscriptions', {
    customer_id: customer.id,
    plan_id: plan.id,
  });
  return { planId: String(plan.id), customerId: String(customer.id), subscription };
}
