import type { Page } from 'playwright-core';
import { type ApiCall, ok } from './api-flow';

/**
 * Seeds for the portal and console tests, all through the public API: the seller, a catalogue with two monthly
 * plans of one product, customers on test clocks (so that time stands still between a preview and its change).
 */
export async function seedCatalogue(call: ApiCall) {
  await ok(call, 'PUT', '/v1/settings', {
    name: 'Rösterei Beispiel GmbH',
    address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
    country: 'DE',
    vat_id: 'DE123456789',
    default_currency: 'EUR',
  });
  const product = await ok(call, 'POST', '/v1/products', { name: 'Coffee' });
  const small = await ok(call, 'POST', '/v1/plans', {
    product_id: product.id,
    name: 'Monthly beans',
    interval: 'month',
    amounts: { EUR: 1900 },
  });
  const large = await ok(call, 'POST', '/v1/plans', {
    product_id: product.id,
    name: 'Monthly beans, large',
    interval: 'month',
    amounts: { EUR: 3900 },
  });
  return { smallPlanId: String(small.id), largePlanId: String(large.id) };
}

export async function untilClockReady(call: ApiCall, clockId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const clock = await ok(call, 'GET', `/v1/test_clocks/${clockId}`);
    if (clock.status === 'ready') return;
    if (Date.now() > deadline) throw new Error(`test clock ${clockId} still ${String(clock.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A customer with a card, on a new test clock frozen at `frozenTime`, subscribed to `planId`. */
export async function subscriberOnClock(
  call: ApiCall,
  input: {
    frozenTime: string;
    email: string;
    name: string;
    locale: 'de' | 'en';
    planId: string;
    token?: string;
  },
) {
  const clock = await ok(call, 'POST', '/v1/test_clocks', {
    frozen_time: input.frozenTime,
    name: input.email,
  });
  const customer = await ok(call, 'POST', '/v1/customers', {
    email: input.email,
    name: input.name,
    locale: input.locale,
    country: 'DE',
    test_clock_id: clock.id,
  });
  await ok(call, 'POST', `/v1/customers/${String(customer.id)}/payment_methods`, {
    gateway: 'sandbox',
    token: input.token ?? 'tok_visa',
  });
  const subscription = await ok(call, 'POST', '/v1/subscriptions', {
    customer_id: customer.id,
    plan_id: input.planId,
  });
  return {
    clockId: String(clock.id),
    customerId: String(customer.id),
    subscriptionId: String(subscription.id),
  };
}

/** Opens a portal session through the API and follows its single-use url in the browser. */
export async function openPortal(call: ApiCall, page: Page, customerId: string, returnUrl?: string) {
  const session = await ok(call, 'POST', '/v1/portal_sessions', {
    customer_id: customerId,
    ...(returnUrl ? { return_url: returnUrl } : {}),
  });
  await page.goto(String(session.url));
  return String(session.url);
}

/** The text of the page's main element, whitespace collapsed, for assertions on what a person reads. */
export async function mainText(page: Page): Promise<string> {
  return ((await page.textContent('main')) ?? '').replace(/\s+/g, ' ').trim();
}
