import { randomBytes } from 'node:crypto';
import request, { type Response } from 'supertest';
import { ApiKey } from '../../../src/db/entities';
import { SANDBOX_SIGNATURE_HEADER } from '../../../src/gateways/sandbox/webhook-signature';
import { type ApiCall, subscribeThroughApi, supertestCall } from '../../support/api-flow';
import { type ApiStack, startApiStack } from '../../support/api-stack';

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  template: string;
  signed: boolean;
}

/**
 * Every operation of the served OpenAPI document against every way of not being allowed: routes added later are
 * covered without touching this file. The responses also pass through the contract validator of the test app,
 * so each refusal is checked against the error shape its operation documents.
 */
describe('authorization matrix over every documented operation', () => {
  let stack: ApiStack;
  let operations: Operation[];
  /** A real id for each collection; for customers, subscriptions and invoices it belongs to the other customer. */
  const ids = new Map<string, string>();
  let otherPortal: string;
  let expiredPortal: string;

  const call = (headers: Record<string, string>): ApiCall => supertestCall(stack.app, headers);

  beforeAll(async () => {
    stack = await startApiStack('authz');
    const secret = call(stack.auth);
    const document = (await request(stack.app).get('/v1/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    operations = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method as Operation['method'],
        template,
        signed: Array.isArray(operation.security) && operation.security.length === 0,
      })),
    );

    const mine = await subscribeThroughApi(secret, { customerEmail: 'mine@example.test' });
    const theirs = await subscribeThroughApi(secret, { customerEmail: 'theirs@example.test' });
    const theirInvoices = await secret(
      'GET',
      `/v1/invoices?subscription_id=${String(theirs.subscription.id)}`,
    );
    const theirInvoice = (theirInvoices.body.data as { id: string }[])[0]?.id;
    if (!theirInvoice) throw new Error(`no invoice for ${String(theirs.subscription.id)}`);
    ids.set('customers', theirs.customerId);
    ids.set('subscriptions', String(theirs.subscription.id));
    ids.set('invoices', theirInvoice);
    ids.set('plans', theirs.planId);
    // Every other collection: an existing object when the list has one.
    for (const collection of new Set(operations.map((op) => op.template.split('/')[2] ?? ''))) {
      if (ids.has(collection) || !document.paths[`/v1/${collection}`]?.get) continue;
      const listed = await secret('GET', `/v1/${collection}`);
      const first = (listed.body.data as { id?: string }[] | undefined)?.[0]?.id;
      if (first) ids.set(collection, first);
    }

    const other = await secret('POST', '/v1/portal_sessions', { customer_id: mine.customerId });
    otherPortal = String(other.body.token);
    const expired = await secret('POST', '/v1/portal_sessions', { customer_id: theirs.customerId });
    expiredPortal = String(expired.body.token);
    const em = stack.db.orm.em.fork();
    const key = await em.findOneOrFail(ApiKey, { customerId: theirs.customerId });
    key.expiresAt = new Date(Date.now() - 1000);
    await em.flush();
  });

  afterAll(async () => {
    await stack?.close();
  });

  /** The concrete path of an operation, with real ids where the collection has one. */
  function pathOf(operation: Operation): string {
    const collection = operation.template.split('/')[2] ?? '';
    return operation.template.replace(/\{([^}]+)\}/g, (_match, name: string) =>
      name === 'gateway' ? 'sandbox' : (ids.get(collection) ?? 'obj_000000000000000000000000'),
    );
  }

  function send(operation: Operation, headers: Record<string, string>): Promise<Response> {
    const agent = request(stack.app)[operation.method](pathOf(operation)).set(headers);
    return operation.method === 'get' || operation.method === 'delete' ? agent : agent.send({});
  }

  /** Status, error type and whether the body is the error shape alone, so a failure names everything at once. */
  const refusal = (response: Response) => ({
    status: response.status,
    type: (response.body as { error?: { type?: string } }).error?.type,
    keys: Object.keys(response.body as object),
  });

  test('the document lists the operations this matrix runs over, and real ids back the ones portals reach', () => {
    expect(operations.length).toBeGreaterThanOrEqual(45);
    expect(operations.filter((op) => op.signed).map((op) => op.template)).toEqual([
      '/v1/gateway_webhooks/{gateway}',
    ]);
    for (const collection of ['customers', 'subscriptions', 'invoices', 'plans', 'products'])
      expect([collection, ids.has(collection)]).toEqual([collection, true]);
  });

  test('no key, a malformed header, an unknown key and an expired portal session are 401 on every operation', async () => {
    const unknownKey = `sk_test_${randomBytes(24).toString('hex')}`;
    const cases: [string, Record<string, string>][] = [
      ['no key', {}],
      ['basic scheme', { Authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` }],
      ['bearer without a key', { Authorization: 'Bearer' }],
      ['two tokens', { Authorization: `Bearer ${unknownKey} ${unknownKey}` }],
      ['unknown key', { Authorization: `Bearer ${unknownKey}` }],
      ['expired portal session', { Authorization: `Bearer ${expiredPortal}` }],
    ];
    const seen: string[] = [];
    for (const operation of operations.filter((op) => !op.signed)) {
      for (const [name, headers] of cases) {
        const response = await send(operation, headers);
        expect({
          operation: `${operation.method} ${operation.template}`,
          name,
          ...refusal(response),
        }).toEqual({
          operation: `${operation.method} ${operation.template}`,
          name,
          status: 401,
          type: 'authentication_error',
          keys: ['error'],
        });
        seen.push(`${operation.method} ${operation.template}`);
      }
    }
    expect(seen.length).toBe(operations.filter((op) => !op.signed).length * cases.length);
  });

  test("another customer's portal session is 403 on every operation, even where a portal reaches its own", async () => {
    for (const operation of operations.filter((op) => !op.signed)) {
      const response = await send(operation, { Authorization: `Bearer ${otherPortal}` });
      expect({ operation: `${operation.method} ${operation.template}`, ...refusal(response) }).toEqual({
        operation: `${operation.method} ${operation.template}`,
        status: 403,
        type: 'permission_error',
        keys: ['error'],
      });
    }
    // The refused actions changed nothing of theirs.
    const subscription = await call(stack.auth)(
      'GET',
      `/v1/subscriptions/${String(ids.get('subscriptions'))}`,
    );
    expect(subscription.body).toMatchObject({ status: 'active', cancel_at_period_end: false, pause: null });
  });

  test('the gateway webhook ignores API keys and portal tokens and authenticates by its signature alone', async () => {
    const webhook = operations.find((op) => op.signed);
    if (!webhook) throw new Error('no signature-authenticated operation in the document');
    const payload = JSON.stringify({ id: 'evt_sbx_forged', type: 'charge.disputed', data: {} });
    const post = (headers: Record<string, string>) =>
      request(stack.app)
        .post(pathOf(webhook))
        .set({ 'Content-Type': 'application/json', ...headers })
        .send(payload);
    const attempts: [string, Record<string, string>][] = [
      ['unsigned', {}],
      ['unsigned with a secret key', stack.auth],
      ['unsigned with a portal token', { Authorization: `Bearer ${otherPortal}` }],
      [
        'forged signature',
        { [SANDBOX_SIGNATURE_HEADER]: `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` },
      ],
    ];
    for (const [name, headers] of attempts) {
      const response = await post(headers);
      expect({
        name,
        ...refusal(response),
        code: (response.body as { error?: { code?: string } }).error?.code,
      }).toEqual({
        name,
        status: 400,
        type: 'invalid_request_error',
        keys: ['error'],
        code: 'invalid_signature',
      });
    }
  });
});
