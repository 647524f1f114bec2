import { Client } from '@temporalio/client';
import type { Express } from 'express';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import request from 'supertest';
import { type AppDeps, createApp } from '../../../src/api/app';
import { createApiKey, revokeApiKey } from '../../../src/db/api-keys';
import { createLogger, type LogFormat } from '../../../src/logging';
import { createTestDatabase, type TestDatabase } from '../../support/database';

/** Lines a logger wrote, as they were written. */
function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let tries = 0; !check(); tries++) {
    if (tries > 200) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const bogusKey = () => `sk_${randomBytes(24).toString('base64url')}`;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * What happens at the API's edge before and around a route: API keys and portal tokens verified through a cache that
 * honours expiry and revocation, failed authentications throttled per client address, who may read `/metrics`, and
 * what a request leaves in the log.
 */
describe('the API edge', () => {
  let db: TestDatabase;
  let client: Client;
  let secret: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Never connected: no route these tests call reaches Temporal.
    client = new Client();
    ({ secret } = await createApiKey(db.orm.em.fork(), 'edge'));
  });

  afterAll(async () => {
    await client?.connection.close();
    await db?.drop();
  });

  function appWith(config: Partial<AppDeps['config']> = {}, logFormat?: LogFormat, sink?: Writable): Express {
    return createApp({
      orm: db.orm,
      client,
      logger: sink ? createLogger('info', 'edge', logFormat, sink) : createLogger('silent', 'edge'),
      config: { TEMPORAL_TASK_QUEUE: 'edge-unused', RATE_LIMIT_PER_MINUTE: 1_000_000, ...config },
    });
  }

  async function newCustomer(app: Express): Promise<string> {
    const created = await request(app)
      .post('/v1/customers')
      .set(bearer(secret))
      .send({ email: `edge-${randomBytes(3).toString('hex')}@example.test`, name: 'Edge', country: 'DE' })
      .expect(201);
    return String(created.body.id);
  }

  async function portalSession(app: Express, customerId: string): Promise<string> {
    const created = await request(app)
      .post('/v1/portal_sessions')
      .set(bearer(secret))
      .send({ customer_id: customerId })
      .expect(201);
    return String(created.body.token);
  }

  test('a key revoked in the database is refused within API_KEY_CACHE_MS at most, and at once without the cache', async () => {
    const { secret: revoked, key } = await createApiKey(db.orm.em.fork(), 'to-revoke');
    const cached = appWith({ API_KEY_CACHE_MS: 60_000 });
    const uncached = appWith({ API_KEY_CACHE_MS: 0 });
    await request(cached).get('/v1/customers').set(bearer(revoked)).expect(200);
    await request(uncached).get('/v1/customers').set(bearer(revoked)).expect(200);

    expect(await revokeApiKey(db.orm.em.fork(), 'secret', { id: key.id })).toMatchObject({ id: key.id });

    // The process that verified the key a moment ago trusts it until its entry ages out: the documented bound.
    await request(cached).get('/v1/customers').set(bearer(revoked)).expect(200);
    const refused = await request(uncached).get('/v1/customers').set(bearer(revoked)).expect(401);
    expect(refused.body).toEqual({
      error: {
        type: 'authentication_error',
        code: 'invalid_api_key',
        message: 'The API key is invalid, expired or revoked',
      },
    });
    // A process that has not verified it yet asks the database and refuses it.
    await request(appWith({ API_KEY_CACHE_MS: 60_000 }))
      .get('/v1/customers')
      .set(bearer(revoked))
      .expect(401);
  });

  test('a portal session revoked through the API is refused by this process from the next request on', async () => {
    const app = appWith({ API_KEY_CACHE_MS: 60_000 });
    const customerId = await newCustomer(app);
    const token = await portalSession(app, customerId);
    const other = await portalSession(app, customerId);
    // Verified, and so cached for a minute.
    await request(app).get(`/v1/customers/${customerId}`).set(bearer(token)).expect(200);

    // A portal session ends itself only: another session's token is outside its scope.
    const foreign = await request(app)
      .post('/v1/portal_sessions/revoke')
      .set(bearer(token))
      .send({ token: other })
      .expect(403);
    expect(foreign.body.error).toMatchObject({ type: 'permission_error', code: 'portal_scope' });
    // A secret key's own value is no portal session: nothing is revoked, the key keeps working.
    const notPortal = await request(app)
      .post('/v1/portal_sessions/revoke')
      .set(bearer(secret))
      .send({ token: secret })
      .expect(400);
    expect(notPortal.body.error).toMatchObject({ code: 'resource_missing', param: 'token' });
    await request(app).get('/v1/customers').set(bearer(secret)).expect(200);

    const ended = await request(app)
      .post('/v1/portal_sessions/revoke')
      .set(bearer(token))
      .send({ token })
      .expect(200);
    expect(ended.body).toEqual({ object: 'portal_session', customer_id: customerId, revoked: true });
    await request(app).get(`/v1/customers/${customerId}`).set(bearer(token)).expect(401);
    // Again, by the seller's backend: the same answer.
    await request(app).post('/v1/portal_sessions/revoke').set(bearer(secret)).send({ token }).expect(200);

    // The seller's backend ends the other session (a customer logged out elsewhere).
    await request(app).get(`/v1/customers/${customerId}`).set(bearer(other)).expect(200);
    await request(app)
      .post('/v1/portal_sessions/revoke')
      .set(bearer(secret))
      .send({ token: other })
      .expect(200);
    await request(app).get(`/v1/customers/${customerId}`).set(bearer(other)).expect(401);
  });

  describe('failed authentications, throttled by client address', () => {
    let server: Server;
    let base: string;

    beforeAll(async () => {
      // One proxy hop trusted, so each test names its client's address in X-Forwarded-For.
      const app = appWith({ AUTH_FAILURES_PER_MINUTE: 5, TRUST_PROXY: 1 });
      server = await new Promise<Server>((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const get = (from: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/v1/customers`, { headers: { 'X-Forwarded-For': from, ...headers } });

    test('a burst of distinct unknown keys gets 401 for the first few, then 429, and the address is refused before any lookup', async () => {
      const address = '203.0.113.7';
      const burst = await Promise.all(Array.from({ length: 300 }, () => get(address, bearer(bogusKey()))));
      const statuses = burst.map((response) => response.status);
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(295);

      const limited = burst.find((response) => response.status === 429) as Response;
      expect(await limited.json()).toEqual({
        error: {
          type: 'rate_limit_error',
          code: 'too_many_failed_authentications',
          message: 'Too many requests with a missing or invalid API key from this address; retry later',
        },
      });
      // While the address is over its limit even a valid key is refused: nothing is looked up for it.
      const valid = await get(address, bearer(secret));
      expect(valid.status).toBe(429);
      expect(Number(valid.headers.get('retry-after'))).toBeGreaterThan(0);
      // A request without any key counts as a failure too.
      expect((await get(address)).status).toBe(429);
    });

    test('another address keeps its own budget, and successful authentications never count', async () => {
      const address = '198.51.100.23';
      for (let i = 0; i < 20; i++) expect((await get(address, bearer(secret))).status).toBe(200);
      expect((await get(address)).status).toBe(401);
      for (let i = 0; i < 4; i++) expect((await get(address, bearer(bogusKey()))).status).toBe(401);
      expect((await get(address, bearer(bogusKey()))).status).toBe(429);
    });
  });

  test('/metrics answers a secret key, not a portal session or an anonymous caller; with METRICS_BIND the API has none', async () => {
    const app = appWith();
    const anonymous = await request(app).get('/metrics').expect(401);
    expect(anonymous.body.error).toMatchObject({ type: 'authentication_error', code: 'missing_api_key' });
    const portal = await portalSession(app, await newCustomer(app));
    const forbidden = await request(app).get('/metrics').set(bearer(portal)).expect(403);
    expect(forbidden.body.error).toMatchObject({ type: 'permission_error', code: 'secret_key_required' });
    const scraped = await request(app).get('/metrics').set(bearer(secret)).expect(200);
    expect(scraped.text).toContain('perennial_http_request_duration_seconds_bucket');
    expect(scraped.text).toContain('perennial_business_metrics_up 1');

    const separate = appWith({ METRICS_BIND: '127.0.0.1:9464' });
    const absent = await request(separate).get('/metrics').set(bearer(secret)).expect(404);
    expect(absent.body.error).toMatchObject({ code: 'route_not_found' });
  });

  describe('request logs', () => {
    // What must never reach a log: a header's value, the key, a query string (it can hold an email address).
    const secrets = () => ['header-value-never-logged', secret, 'erika@example.com'];
    const send = (app: Express) =>
      request(app)
        .get('/v1/customers?email=erika@example.com')
        .set(bearer(secret))
        .set('X-Probe', 'header-value-never-logged')
        .expect(200);

    test('pretty: one short readable line per request (method, path, status, milliseconds)', async () => {
      const sink = logSink();
      await send(appWith({}, 'pretty', sink.stream));
      await eventually('the request line', () => sink.lines.length > 0);
      expect(sink.lines).toHaveLength(1);
      expect(sink.lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/v1\/customers 200 \d+ ms$/);
      for (const value of secrets()) expect(sink.lines.join('\n')).not.toContain(value);
    });

    test('json: the same line as one JSON object with the request id, and no headers', async () => {
      const sink = logSink();
      await send(appWith({}, 'json', sink.stream));
      await eventually('the request line', () => sink.lines.length > 0);
      expect(sink.lines).toHaveLength(1);
      const entry = JSON.parse(sink.lines[0] as string) as Record<string, unknown>;
      expect(entry).toMatchObject({
        level: 30,
        service: 'edge',
        reqId: expect.stringMatching(/^req_/),
        request: { method: 'GET', path: '/v1/customers', status: 200, ms: expect.any(Number) },
        msg: expect.stringMatching(/^GET \/v1\/customers 200 \d+ ms$/),
      });
      expect(Object.keys(entry).sort()).toEqual([
        'level',
        'msg',
        'name',
        'reqId',
        'request',
        'service',
        'time',
      ]);
      for (const value of secrets()) expect(sink.lines[0]).not.toContain(value);
    });
  });
});
