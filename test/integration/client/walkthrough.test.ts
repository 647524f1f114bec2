import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createPerennialClient,
  unwrap,
  type PerennialClient,
  type Schema,
} from '../../../clients/typescript/src';
import { createMailer } from '../../../src/mail/mailer';
import { createOutboxRelay } from '../../../src/mail/outbox-relay';
import { type ApiStack, startApiStack } from '../../support/api-stack';

const lines = (invoice: Schema<'Invoice'> | Schema<'SubscriptionChangePreview'>) =>
  invoice.lines.map((line) => [line.kind, line.amount]);

/**
 * The README's "Try it" walkthrough, typed, through the generated client over real HTTP: the API listens on a port
 * of its own, with a worker, PostgreSQL and an SMTP catcher behind it (every answer is also checked against the
 * OpenAPI document). The customer is on a frozen test clock, so the preview and the change it previews happen at
 * the same instant and every amount is exact.
 */
describe('the README walkthrough through the TypeScript client', () => {
  let stack: ApiStack;
  let server: Server;
  let client: PerennialClient;

  beforeAll(async () => {
    stack = await startApiStack('client');
    server = stack.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const apiKey = (stack.auth.Authorization ?? '').replace(/^Bearer /, '');
    client = createPerennialClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey });
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await stack?.close();
  });

  test('settings, catalogue with an add-on, a customer with a card, a subscription with items, its changes and emails', async () => {
    unwrap(
      await client.PUT('/v1/settings', {
        body: {
          name: 'Rösterei Beispiel GmbH',
          country: 'DE',
          vat_id: 'DE123456789',
          default_currency: 'EUR',
          address: { line1: 'Hauptstraße 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
        },
      }),
    );
    const coffee = unwrap(await client.POST('/v1/products', { body: { name: 'Coffee' } }));
    // No interval_count, pricing_model or trial_days: the server's defaults, optional in the generated types.
    const beans = unwrap(
      await client.POST('/v1/plans', {
        body: { product_id: coffee.id, name: 'Monthly beans', interval: 'month', amounts: { EUR: 1900 } },
      }),
    );
    expect(beans).toMatchObject({ interval_count: 1, pricing_model: 'per_unit', trial_days: 0 });
    const addOn = unwrap(
      await client.POST('/v1/products', { body: { name: 'Grinder service', add_on: true } }),
    );
    const grinder = unwrap(
      await client.POST('/v1/plans', {
        body: {
          product_id: addOn.id,
          name: 'Grinder service',
          interval: 'month',
          pricing_model: 'flat',
          amounts: { EUR: 500 },
          setup_fees: { EUR: 900 },
        },
      }),
    );

    const clock = unwrap(
      await client.POST('/v1/test_clocks', { body: { frozen_time: '2027-03-01T09:00:00.000Z' } }),
    );
    const erika = unwrap(
      await client.POST('/v1/customers', {
        body: {
          email: 'erika@example.com',
          name: 'Erika Mustermann',
          locale: 'de',
          country: 'DE',
          test_clock_id: clock.id,
        },
      }),
    );
    unwrap(
      await client.POST('/v1/customers/{id}/payment_methods', {
        params: { path: { id: erika.id } },
        body: { gateway: 'sandbox', token: 'tok_visa' },
      }),
    );

    // The same Idempotency-Key twice: one subscription, the second answer replayed.
    const create = () =>
      client.POST('/v1/subscriptions', {
        params: { header: { 'Idempotency-Key': `walkthrough-${erika.id}` } },
        body: { customer_id: erika.id, items: [{ plan_id: beans.id }, { plan_id: grinder.id }] },
      });
    const created = await create();
    const subscription = unwrap(created);
    const replayed = await create();
    expect(replayed.response.headers.get('Idempotent-Replayed')).toBe('true');
    expect(unwrap(replayed).id).toBe(subscription.id);
    expect(created.response.headers.get('Request-Id')).toMatch(/^req_/);

    const id = subscription.id;
    const params = { path: { id } };
    const read = unwrap(await client.GET('/v1/subscriptions/{id}', { params }));
    expect(read.status).toBe('active');
    expect(read.items.map((item) => [item.plan_id, item.amount, item.add_on])).toEqual([
      [beans.id, 1900, false],
      [grinder.id, 500, true],
    ]);

    const invoices = async () => {
      const all: Schema<'Invoice'>[] = [];
      for await (const invoice of client.list('/v1/invoices', { query: { subscription_id: id, limit: 1 } }))
        all.push(invoice);
      return all;
    };
    const [first] = await invoices();
    // 19.00, 5.00 and the 9.00 setup fee; 33.00 net, 19 % VAT.
    expect(first && lines(first)).toEqual([
      ['subscription', 1900],
      ['subscription', 500],
      ['setup_fee', 900],
    ]);
    expect(first).toMatchObject({ status: 'paid', subtotal: 3300, tax_total: 627, total: 3927 });

    const itemId = read.items[0]?.id ?? '';
    const itemParams = { path: { id, item_id: itemId } };
    const preview = unwrap(
      await client.POST('/v1/subscriptions/{id}/items/{item_id}/preview', {
        params: itemParams,
        body: { quantity: 2 },
      }),
    );
    // An upgrade at the first instant of the period: the whole period's 19.00 credited, 2 × 19.00 charged.
    expect(preview).toMatchObject({ timing: 'immediately', invoice_now: true, total: 1900 });
    expect(lines(preview)).toEqual([
      ['proration', -1900],
      ['proration', 3800],
    ]);
    expect(unwrap(await client.GET('/v1/subscriptions/{id}', { params })).items[0]?.quantity).toBe(1);
    const changed = unwrap(
      await client.POST('/v1/subscriptions/{id}/items/{item_id}', {
        params: itemParams,
        body: { quantity: 2 },
      }),
    );
    expect(changed.items[0]).toMatchObject({ id: itemId, quantity: 2, amount: 3800 });
    const update = (await invoices()).find((invoice) => invoice.billing_reason === 'subscription_update');
    // Invoiced and charged now, with exactly the lines the preview showed.
    expect(update && lines(update)).toEqual(lines(preview));
    expect(update).toMatchObject({ status: 'paid', subtotal: preview.total });

    // Commands without parameters take no body at all.
    expect(unwrap(await client.POST('/v1/subscriptions/{id}/pause', { params })).status).toBe('paused');
    expect(unwrap(await client.POST('/v1/subscriptions/{id}/resume', { params })).status).toBe('active');
    const canceling = unwrap(
      await client.POST('/v1/subscriptions/{id}/cancel', { params, body: { at: 'period_end' } }),
    );
    expect(canceling).toMatchObject({ status: 'active', cancel_at_period_end: true });
    const reactivated = unwrap(await client.POST('/v1/subscriptions/{id}/reactivate', { params }));
    expect(reactivated).toMatchObject({ status: 'active', cancel_at_period_end: false });

    // The audit log, two events a page, read to its end by the iterator.
    const events: string[] = [];
    for await (const event of client.list('/v1/events', { query: { subscription_id: id, limit: 2 } }))
      events.push(event.type);
    expect(events).toEqual(
      expect.arrayContaining([
        'subscription.created',
        'subscription.paused',
        'subscription.resumed',
        'subscription.cancel_scheduled',
        'subscription.cancel_undone',
      ]),
    );
    expect(events.length).toBeGreaterThan(5);

    // The worker's outbox relay sends what the transitions queued: the welcome and the receipt with its PDF.
    const mailer = createMailer(stack.catcher.smtpUrl, 'Perennial <billing@example.test>');
    try {
      const relay = createOutboxRelay({
        orm: stack.db.orm,
        mailer,
        publicUrl: 'https://billing.example.test',
      });
      while ((await relay.drainOnce()) > 0);
    } finally {
      mailer.close();
    }
    const toErika = stack.catcher
      .messages()
      .filter((message) => message.envelopeTo.includes('erika@example.com'));
    expect(toErika.length).toBeGreaterThanOrEqual(2);
    expect(
      toErika.some((message) => message.attachments.some((file) => file.mimeType === 'application/pdf')),
    ).toBe(true);
  });
});
