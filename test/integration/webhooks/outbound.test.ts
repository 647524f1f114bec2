import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { PerennialWorker as Worker } from '../../../src/worker';
import { randomBytes } from 'node:crypto';
import { createActivities } from '../../../src/activities';
import {
  DomainEvent,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookEndpoint,
} from '../../../src/db/entities';
import { appendDomainEvent } from '../../../src/db/services';
import { SandboxGateway } from '../../../src/gateways';
import { createMailer, type Mailer } from '../../../src/mail/mailer';
import { createWorker } from '../../../src/worker';
import { webhookWorkflowIdFor, type WebhookDeliveryOutcome } from '../../../src/webhooks/contract';
import { dispatchWebhooks } from '../../../src/webhooks/dispatch';
import {
  PERENNIAL_SIGNATURE_HEADER,
  verifyPerennialSignature,
  WebhookSignatureError,
} from '../../../src/webhooks/verify';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { bundleWorkflows, startTimeSkippingEnv } from '../../support/temporal';
import { TEST_SANDBOX_WEBHOOK_SECRET } from '../../support/workers';
import { type ReceivedRequest, type Receiver, startReceiver } from './receiver';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Outbound webhooks on the time-skipping server, so the retry backoff (30 s doubling to 1 h) and the three-day
 * retry window pass in seconds; deliveries go over real HTTP to receivers on 127.0.0.1.
 */
describe('outbound webhooks', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let mailer: Mailer;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `webhooks-${randomBytes(4).toString('hex')}`;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    let bundle: WorkflowBundle;
    [env, db, bundle] = await Promise.all([startTimeSkippingEnv(), createTestDatabase(), bundleWorkflows()]);
    // Never connected: these tests send no email.
    mailer = createMailer('smtp://127.0.0.1:9', 'Perennial <billing@example.test>');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: bundle,
      orm: db.orm,
      mailer,
      gateway: new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET }),
      publicUrl: 'http://perennial.test',
      client: env.client,
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    mailer?.close();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    await Promise.all([env?.teardown(), db?.drop()]);
  });

  async function receiver(answer?: (index: number) => number): Promise<Receiver> {
    const started = await startReceiver(answer);
    receivers.push(started);
    return started;
  }

  async function endpoint(
    url: string,
    eventTypes: string[] = ['*'],
    enabled = true,
  ): Promise<WebhookEndpoint> {
    const em = db.orm.em.fork();
    const created = em.create(WebhookEndpoint, {
      url,
      secret: `whsec_${randomBytes(24).toString('hex')}`,
      eventTypes,
      enabled,
      disabledAt: enabled ? null : new Date(),
    });
    await em.flush();
    return created;
  }

  async function event(type = 'invoice.paid'): Promise<DomainEvent> {
    const { event: appended } = await appendDomainEvent(db.orm.em.fork(), {
      key: `test:${randomBytes(6).toString('hex')}`,
      type,
      subscriptionId: 'sub_0123456789abcdef01234567',
      data: { invoiceId: 'inv_1', amount: 1900 },
      occurredAt: '2027-03-01T12:00:00.000Z',
    });
    return appended;
  }

  const outcome = (eventId: string, endpointId: string): Promise<WebhookDeliveryOutcome> =>
    env.client.workflow.getHandle(webhookWorkflowIdFor(eventId, endpointId)).result();

  const dispatch = (eventIds: string[]) =>
    dispatchWebhooks({ orm: db.orm, client: env.client, taskQueue }, eventIds);

  async function attemptsOf(eventId: string, endpointId: string) {
    const em = db.orm.em.fork();
    const delivery = await em.findOneOrFail(WebhookDelivery, { event: eventId, endpoint: endpointId });
    const attempts = await em.find(WebhookDeliveryAttempt, { delivery }, { orderBy: { attempt: 'asc' } });
    return { delivery, attempts };
  }

  const signatureOf = (request: ReceivedRequest) => request.headers[PERENNIAL_SIGNATURE_HEADER] as string;

  it('delivers an event to every enabled endpoint that wants it, signed so that the helper verifies it', async () => {
    const everything = await receiver();
    const paidOnly = await receiver();
    const otherType = await receiver();
    const disabled = await receiver();
    const [all, paid, other, off] = await Promise.all([
      endpoint(everything.url, ['*']),
      endpoint(paidOnly.url, ['invoice.paid']),
      endpoint(otherType.url, ['subscription.canceled']),
      endpoint(disabled.url, ['*'], false),
    ]);
    const paidEvent = await event('invoice.paid');

    expect(await dispatch([paidEvent.id])).toBe(2);
    await expect(outcome(paidEvent.id, all.id)).resolves.toMatchObject({ status: 'delivered', attempts: 1 });
    await expect(outcome(paidEvent.id, paid.id)).resolves.toMatchObject({ status: 'delivered', attempts: 1 });

    expect(otherType.requests).toHaveLength(0);
    expect(disabled.requests).toHaveLength(0);
    for (const [received, secret] of [
      [everything, all.secret],
      [paidOnly, paid.secret],
    ] as const) {
      expect(received.requests).toHaveLength(1);
      const [request] = received.requests as [ReceivedRequest];
      expect(request.headers['content-type']).toBe('application/json');
      expect(verifyPerennialSignature(request.rawBody, signatureOf(request), secret)).toBe(true);
      expect(JSON.parse(request.rawBody)).toEqual({
        id: paidEvent.id,
        type: 'invoice.paid',
        created: Date.parse('2027-03-01T12:00:00.000Z') / 1000,
        data: { invoiceId: 'inv_1', amount: 1900, subscription_id: 'sub_0123456789abcdef01234567' },
      });
    }
    // One endpoint's secret does not verify another's delivery.
    const [first] = everything.requests as [ReceivedRequest];
    expect(() => verifyPerennialSignature(first.rawBody, signatureOf(first), paid.secret)).toThrow(
      WebhookSignatureError,
    );

    const { delivery, attempts } = await attemptsOf(paidEvent.id, all.id);
    expect(delivery).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      lastResponseStatus: 200,
      lastError: null,
    });
    expect(attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 'succeeded', responseStatus: 200, error: null }),
    ]);
    expect(attempts[0]?.durationMs).toBeGreaterThanOrEqual(0);
    expect(other.enabled && !off.enabled).toBe(true);

    // Dispatching the same event again starts nothing and delivers nothing twice.
    expect(await dispatch([paidEvent.id])).toBe(0);
    expect(everything.requests).toHaveLength(1);
  });

  it('retries a receiver that fails its first three attempts until it answers 2xx, logging every attempt', async () => {
    const flaky = await receiver((index) => (index < 3 ? 500 : 204));
    const target = await endpoint(flaky.url);
    const appended = await event('subscription.renewed');

    await dispatch([appended.id]);
    await expect(outcome(appended.id, target.id)).resolves.toEqual({
      status: 'delivered',
      attempts: 4,
      responseStatus: 204,
    });

    expect(flaky.requests).toHaveLength(4);
    // The same body each time, freshly signed each time.
    expect(new Set(flaky.requests.map((request) => request.rawBody)).size).toBe(1);
    for (const request of flaky.requests) {
      expect(verifyPerennialSignature(request.rawBody, signatureOf(request), target.secret)).toBe(true);
    }
    const { delivery, attempts } = await attemptsOf(appended.id, target.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4, lastResponseStatus: 204 });
    expect(delivery.deliveredAt).toBeInstanceOf(Date);
    expect(attempts.map((a) => [a.attempt, a.status, a.responseStatus, a.error])).toEqual([
      [1, 'failed', 500, 'HTTP 500'],
      [2, 'failed', 500, 'HTTP 500'],
      [3, 'failed', 500, 'HTTP 500'],
      [4, 'succeeded', 204, null],
    ]);
  });

  it('a delivery captured and replayed after the tolerance is rejected by the helper', async () => {
    const captured = await receiver();
    const target = await endpoint(captured.url);
    const appended = await event('invoice.payment_failed');
    await dispatch([appended.id]);
    await outcome(appended.id, target.id);

    const [request] = captured.requests as [ReceivedRequest];
    const header = signatureOf(request);
    const signedAt = Number(/t=(\d+)/.exec(header)?.[1]);
    expect(
      verifyPerennialSignature(request.rawBody, header, target.secret, { now: new Date(signedAt * 1000) }),
    ).toBe(true);
    const replayedAt = new Date((signedAt + 301) * 1000);
    expect(() =>
      verifyPerennialSignature(request.rawBody, header, target.secret, { now: replayedAt }),
    ).toThrow(expect.objectContaining({ reason: 'timestamp_outside_tolerance' }));
    // Re-signing with a fresh timestamp is impossible without the secret: the timestamp is inside the MAC.
    const restamped = header.replace(/t=\d+/, `t=${signedAt + 301}`);
    expect(() =>
      verifyPerennialSignature(request.rawBody, restamped, target.secret, { now: replayedAt }),
    ).toThrow(expect.objectContaining({ reason: 'no_matching_signature' }));
  });

  it('gives up after three days of failures: the endpoint is disabled and webhook_endpoint.disabled is delivered elsewhere', async () => {
    const down = await receiver(() => 503);
    const operations = await receiver();
    const failing = await endpoint(down.url);
    const watcher = await endpoint(operations.url, ['webhook_endpoint.disabled']);
    const appended = await event('invoice.paid');

    await dispatch([appended.id]);
    const result = await outcome(appended.id, failing.id);
    expect(result).toMatchObject({ status: 'gave_up' });

    const description = await env.client.workflow
      .getHandle(webhookWorkflowIdFor(appended.id, failing.id))
      .describe();
    const elapsed = (description.closeTime?.getTime() ?? 0) - description.startTime.getTime();
    expect(elapsed).toBeGreaterThan(3 * DAY_MS - 60 * 60 * 1000);
    expect(elapsed).toBeLessThan(3 * DAY_MS + 60 * 60 * 1000);

    const em = db.orm.em.fork();
    const disabled = await em.findOneOrFail(WebhookEndpoint, failing.id);
    expect(disabled.enabled).toBe(false);
    expect(disabled.disabledAt).toBeInstanceOf(Date);

    const { delivery, attempts } = await attemptsOf(appended.id, failing.id);
    expect(delivery.status).toBe('failed');
    // 30 s doubling to 1 h between attempts: about 75 attempts fit into three days.
    expect(attempts.length).toBeGreaterThan(50);
    expect(attempts).toHaveLength(down.requests.length);
    expect(delivery.attempts).toBe(attempts.length);
    expect(attempts.every((a) => a.status === 'failed' && a.responseStatus === 503)).toBe(true);

    const notice = await em.findOneOrFail(DomainEvent, { type: 'webhook_endpoint.disabled' });
    expect(notice.data).toMatchObject({ endpoint_id: failing.id, undelivered_event_id: appended.id });
    await expect(outcome(notice.id, watcher.id)).resolves.toMatchObject({ status: 'delivered' });
    const [received] = operations.requests.filter(
      (r) => JSON.parse(r.rawBody).type === 'webhook_endpoint.disabled',
    );
    expect(received).toBeDefined();
    expect(JSON.parse(received?.rawBody ?? '{}').data).toMatchObject({
      endpoint_id: failing.id,
      url: down.url,
    });

    // A disabled endpoint gets no new deliveries.
    const later = await event('invoice.paid');
    await dispatch([later.id]);
    expect(await db.orm.em.fork().count(WebhookDelivery, { endpoint: failing.id, event: later.id })).toBe(0);
  });

  it('the lifecycle recordEvent activity starts the deliveries of the event it records', async () => {
    const hooked = await receiver();
    const target = await endpoint(hooked.url, ['subscription.paused']);
    const activities = createActivities({
      orm: db.orm,
      mailer,
      gateway: new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET }),
      publicUrl: 'http://perennial.test',
      client: env.client,
    });
    const request = {
      subscriptionId: 'sub_0123456789abcdef01234567',
      type: 'subscription.paused',
      eventKey: `sub_0123456789abcdef01234567:${randomBytes(4).toString('hex')}`,
      data: { status: 'paused', at: '2027-04-01T00:00:00.000Z' },
    };
    const activityEnv = new MockActivityEnvironment({ taskQueue });
    await activityEnv.run(activities.recordEvent, request);
    // A retried activity records once and starts nothing new.
    await activityEnv.run(activities.recordEvent, request);

    const recorded = await db.orm.em.fork().findOneOrFail(DomainEvent, { key: request.eventKey });
    await expect(outcome(recorded.id, target.id)).resolves.toMatchObject({ status: 'delivered' });
    expect(hooked.requests).toHaveLength(1);
    expect(JSON.parse(hooked.requests[0]?.rawBody ?? '{}')).toMatchObject({
      id: recorded.id,
      type: 'subscription.paused',
    });
  });
});
