import { Client, Connection } from '@temporalio/client';
import type { Express } from 'express';
import { createServer } from 'node:net';
import request from 'supertest';
import { createApp } from '../../../src/api/app';
import { DomainEvent, GatewayEvent, PaymentAttempt } from '../../../src/db/entities';
import { createLogger } from '../../../src/logging';
import {
  type LifecycleHarness,
  seedCustomer,
  seedPlan,
  settled,
  start,
  startLifecycleHarness,
} from '../../support/lifecycle';

/** A loopback port with nothing listening: a Temporal cluster that is down. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('inbound gateway webhooks: POST /v1/gateway_webhooks/:gateway', () => {
  let harness: LifecycleHarness;
  let app: Express;

  const appWith = (client: Client): Express =>
    createApp({
      orm: harness.db.orm,
      client,
      logger: createLogger('silent', 'test-api'),
      config: { TEMPORAL_TASK_QUEUE: harness.taskQueue, RATE_LIMIT_PER_MINUTE: 1200 },
      gateway: harness.gateway,
    });

  beforeAll(async () => {
    harness = await startLifecycleHarness();
    app = appWith(harness.env.client);
  });

  afterAll(async () => {
    await harness?.close();
  });

  /** An active subscription whose first invoice was paid with the dispute test card; returns its charge id. */
  async function disputableSubscription() {
    const plan = await seedPlan(harness.db.orm);
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_chargeDispute');
    const started = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      testClockTime: '2027-01-01T00:00:00.000Z',
    });
    const snapshot = await settled(harness, started.subscriptionId, '2027-01-01T00:00:00.000Z');
    expect(snapshot.state.status).toBe('active');
    const payment = await harness.db.orm.em.fork().findOneOrFail(PaymentAttempt, {
      invoice: { subscription: started.subscriptionId },
      status: 'succeeded',
    });
    return {
      subscriptionId: started.subscriptionId,
      invoiceId: payment.invoice.id,
      chargeId: payment.gatewayReference as string,
    };
  }

  const post = (
    target: Express,
    gateway: string,
    delivery: { rawBody: string; headers: Record<string, string> },
  ) => request(target).post(`/v1/gateway_webhooks/${gateway}`).set(delivery.headers).send(delivery.rawBody);

  async function eventsOf(subscriptionId: string, type: string): Promise<DomainEvent[]> {
    return harness.db.orm.em.fork().find(DomainEvent, { subscriptionId, type });
  }

  async function waitForEvents(subscriptionId: string, type: string, count: number): Promise<DomainEvent[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = await eventsOf(subscriptionId, type);
      if (found.length >= count || Date.now() > deadline) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('accepts a signed dispute once, without an API key, and the subscription workflow records charge.disputed', async () => {
    const { subscriptionId, invoiceId, chargeId } = await disputableSubscription();
    const delivery = await harness.gateway.emitDispute(chargeId);

    const first = await post(app, 'sandbox', delivery).expect(200);
    expect(first.body).toEqual({ received: true, duplicate: false });

    const [disputed] = await waitForEvents(subscriptionId, 'charge.disputed', 1);
    expect(disputed?.data).toMatchObject({ chargeId, invoiceId });

    // The gateway redelivers: acknowledged, not acted on again.
    const again = await post(app, 'sandbox', delivery).expect(200);
    expect(again.body).toEqual({ received: true, duplicate: true });
    await settled(harness, subscriptionId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await eventsOf(subscriptionId, 'charge.disputed')).toHaveLength(1);

    const stored = await harness.db.orm.em.fork().find(GatewayEvent, { gateway: 'sandbox' });
    const mine = stored.filter((row) => row.subscriptionId === subscriptionId);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ type: 'payment.disputed', providerType: 'payment.disputed' });
    expect(mine[0]?.processedAt).toBeInstanceOf(Date);
    const [received] = await eventsOf(subscriptionId, 'gateway_event.received');
    expect(received?.data).toMatchObject({ gateway: 'sandbox', gateway_event_id: mine[0]?.eventId });
  });

  it('rejects a tampered body or a missing signature with 400 invalid_signature and stores nothing', async () => {
    const { subscriptionId, chargeId } = await disputableSubscription();
    const delivery = await harness.gateway.emitDispute(chargeId);
    const tampered = { ...delivery, rawBody: delivery.rawBody.replace('"fraudulent"', '"duplicate"') };
    expect(tampered.rawBody).not.toBe(delivery.rawBody);

    const rejected = await post(app, 'sandbox', tampered).expect(400);
    expect(rejected.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_signature' });
    const unsigned = await request(app)
      .post('/v1/gateway_webhooks/sandbox')
      .set('content-type', 'application/json')
      .send(delivery.rawBody)
      .expect(400);
    expect(unsigned.body.error.code).toBe('invalid_signature');

    expect(await harness.db.orm.em.fork().count(GatewayEvent, { subscriptionId })).toBe(0);
    expect(await eventsOf(subscriptionId, 'charge.disputed')).toHaveLength(0);
  });

  it('answers 404 for a gateway that is not the configured one', async () => {
    const delivery = harness.gateway.signedDelivery('evt_sbx_unrouted', {
      type: 'payment.succeeded',
      chargeId: 'ch_sbx_x',
      amount: { amount: 100, currency: 'EUR' },
      metadata: {},
    });
    for (const gateway of ['stripe', 'paypal']) {
      const response = await post(app, gateway, delivery).expect(404);
      expect(response.body.error).toMatchObject({ type: 'not_found', param: 'gateway' });
    }
  });

  it('answers 503 while Temporal is unreachable, and processes the gateway retry once Temporal is back', async () => {
    const { subscriptionId, chargeId } = await disputableSubscription();
    const delivery = await harness.gateway.emitDispute(chargeId);
    const down = new Client({
      connection: await Connection.lazy({ address: `127.0.0.1:${await deadPort()}` }),
    });
    try {
      const outage = await post(appWith(down), 'sandbox', delivery).expect(503);
      expect(outage.body.error).toMatchObject({ type: 'service_unavailable', code: 'temporal_unavailable' });
    } finally {
      await down.connection.close();
    }
    const [stored] = await harness.db.orm.em.fork().find(GatewayEvent, { subscriptionId });
    expect(stored?.processedAt ?? null).toBeNull();

    const retried = await post(app, 'sandbox', delivery).expect(200);
    expect(retried.body).toEqual({ received: true, duplicate: false });
    expect(await waitForEvents(subscriptionId, 'charge.disputed', 1)).toHaveLength(1);
  });

  it('acknowledges an authentic event Perennial does not act on, once', async () => {
    const delivery = harness.gateway.signedDelivery('evt_sbx_failed_1', {
      type: 'payment.failed',
      chargeId: 'ch_sbx_failed',
      declineCode: 'insufficient_funds',
      message: 'Insufficient funds',
      metadata: {},
    });
    expect((await post(app, 'sandbox', delivery).expect(200)).body).toEqual({
      received: true,
      duplicate: false,
    });
    expect((await post(app, 'sandbox', delivery).expect(200)).body).toEqual({
      received: true,
      duplicate: true,
    });
  });
});
