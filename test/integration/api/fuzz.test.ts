import { Client } from '@temporalio/client';
import type { Express } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { createApp } from '../../../src/api/app';
import { requestHash } from '../../../src/api/idempotency';
import type { OpenApiDocument } from '../../../src/api/openapi';
import { errorResponseSchema } from '../../../src/api/schemas/common';
import { createApiKey } from '../../../src/db/api-keys';
import { SandboxGateway } from '../../../src/gateways';
import { createLogger } from '../../../src/logging';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { TEST_SANDBOX_WEBHOOK_SECRET } from '../../support/workers';
import { routeExamples, seedFixtures, writeRoutes, type FuzzRoute } from './fuzz-routes';
import { mutationSites, serialize, unsupportedKeywords, violation, type Mutation } from './fuzz-schema';

/**
 * Every POST and PUT operation of the OpenAPI document, fed bodies broken in one known place, malformed bytes and
 * wrong content types. Whatever arrives, the answer is a 400 in the documented error shape that names the broken
 * field, and no row of any table changes. Invalid bodies are rejected before any workflow call, so the Temporal
 * client never connects (reaching it would fail the property, not pass it by accident).
 */

interface Sent {
  route: FuzzRoute;
  body: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

interface Answer {
  status: number;
  error: { type: string; code: string; message: string; param?: string | undefined } | undefined;
}

describe('fuzzed writes: a 400 with the error shape naming the field, never a 5xx, and no row changes', () => {
  let db: TestDatabase;
  let client: Client;
  let app: Express;
  let auth: Record<string, string>;
  let document: OpenApiDocument;
  let routes: FuzzRoute[];
  let baseline: string;
  let tables: string[];

  /** Row count and an md5 over every row's text, per table, in one round trip. */
  const snapshot = async (): Promise<string> => {
    const connection = db.orm.em.getConnection();
    const sql = tables
      .map(
        (table) =>
          `select '${table}' as name, count(*)::int as rows, ` +
          `md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash from "${table}" t`,
      )
      .join(' union all ');
    const rows = await connection.execute<{ name: string; rows: number; hash: string }[]>(sql);
    return rows.map((row) => `${row.name}:${row.rows}:${row.hash}`).join('\n');
  };

  const send = async ({ route, body, contentType, headers }: Sent): Promise<Answer> => {
    const pending = route.method === 'put' ? request(app).put(route.path) : request(app).post(route.path);
    if (!route.signed) pending.set(auth);
    if (headers) pending.set(headers);
    if (contentType !== undefined) pending.set('Content-Type', contentType);
    // Bytes go out as they are: superagent would otherwise JSON-encode a Buffer as {"type":"Buffer",…}. Its
    // serializer type promises a string, but Node's request writes a Buffer just as well.
    if (Buffer.isBuffer(body)) pending.serialize((bytes: Buffer) => bytes as unknown as string);
    const response = await pending.send(body);
    const parsed = errorResponseSchema.safeParse(response.body);
    return { status: response.status, error: parsed.success ? parsed.data.error : undefined };
  };

  const apiRoutes = () => routes.filter((route) => !route.signed && route.example);
  const exampleText = (route: FuzzRoute) => JSON.stringify(route.example?.body ?? {});
  const sitesOf = (route: FuzzRoute) => mutationSites(route.schema, route.example?.body ?? {});
  const shown = (text: string | Buffer) => {
    const value = typeof text === 'string' ? text : text.toString('latin1');
    return value.length > 300 ? `${value.slice(0, 300)}… (${value.length} chars)` : value;
  };

  const mutated = (route: FuzzRoute, mutation: Mutation): Sent => ({
    route,
    body: serialize(mutation.body),
    contentType: 'application/json',
  });

  /** What a rejected mutation must answer: a 400 invalid_request_error whose `param` is the broken place. */
  const expectRejected = async (sent: Sent, param: string | undefined, check = { rows: true }) => {
    const answer = await send(sent);
    const where = {
      operation: sent.route.operationId,
      body: shown(sent.body),
      contentType: sent.contentType,
    };
    expect({ ...where, status: answer.status, type: answer.error?.type, param: answer.error?.param }).toEqual(
      {
        ...where,
        status: 400,
        type: 'invalid_request_error',
        param,
      },
    );
    if (check.rows) expect(await snapshot()).toBe(baseline);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client();
    app = createApp({
      orm: db.orm,
      client,
      logger: createLogger('silent', 'fuzz-tests'),
      // Far above the few thousand requests this file sends in a minute, so no answer is a 429.
      config: { TEMPORAL_TASK_QUEUE: 'fuzz-tests-unused', RATE_LIMIT_PER_MINUTE: 1_000_000 },
      gateway: new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET }),
    });
    const { secret } = await createApiKey(db.orm.em.fork(), 'fuzz');
    auth = { Authorization: `Bearer ${secret}` };

    const fixtures = await seedFixtures(app, auth);

    document = (await request(app).get('/v1/openapi.json').expect(200)).body;
    routes = writeRoutes(document, routeExamples(fixtures));
    tables = (
      await db.orm.em
        .getConnection()
        .execute<{ name: string }[]>(
          `select table_name as name from information_schema.tables ` +
            `where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
        )
    ).map((row) => row.name);
    baseline = await snapshot();
  });

  afterAll(async () => {
    await client?.connection.close();
    await db?.drop();
  });

  test('every POST and PUT operation of the OpenAPI document has a valid example and ways to break it', () => {
    const examples = routeExamples({
      productId: 'prod_x',
      planId: 'plan_x',
      customerId: 'cus_x',
      webhookEndpointId: 'we_x',
      testClockId: 'clock_x',
    });
    const operations = routes.map((route) => route.operationId);
    expect(operations.length).toBeGreaterThanOrEqual(20);
    // Only this direction: an example for an operation not (yet) in the document is harmless.
    expect(operations.filter((operation) => !(operation in examples))).toEqual([]);
    for (const route of routes) {
      expect({ operation: route.operationId, unsupported: unsupportedKeywords(route.schema) }).toEqual({
        operation: route.operationId,
        unsupported: [],
      });
      expect({
        operation: route.operationId,
        violation: route.example ? violation(route.schema, route.example.body) : 'no example',
      }).toEqual({ operation: route.operationId, violation: null });
      if (!route.signed)
        expect({ route: route.operationId, sites: sitesOf(route).length > 0 }).toEqual({
          route: route.operationId,
          sites: true,
        });
    }
    expect(tables.length).toBeGreaterThan(10);
  });

  test('each place of each body, broken once (a sweep with a fixed seed), is named in param', async () => {
    let sent = 0;
    for (const route of apiRoutes()) {
      for (const site of sitesOf(route)) {
        for (const mutation of fc.sample(site, { numRuns: 1, seed: 7 })) {
          await expectRejected(mutated(route, mutation), mutation.path.map(String).join('.'), {
            rows: false,
          });
          sent += 1;
        }
      }
      // Once per route rather than per request: a change is still traced to its route, at a fraction of the cost.
      expect({ operation: route.operationId, rows: await snapshot() }).toEqual({
        operation: route.operationId,
        rows: baseline,
      });
    }
    expect(sent).toBeGreaterThan(150);
  });

  test('random one-place breakages of random routes, some with an Idempotency-Key', async () => {
    const cases = fc.constantFrom(...apiRoutes()).chain((route) =>
      fc.record({
        route: fc.constant(route),
        mutation: fc.oneof(...sitesOf(route)),
        idempotencyKey: fc.option(fc.stringMatching(/^[\x21-\x7e]{1,40}$/), { nil: undefined }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ route, mutation, idempotencyKey }) => {
        const sent = mutated(route, mutation);
        if (idempotencyKey !== undefined && route.method === 'post')
          sent.headers = { 'Idempotency-Key': idempotencyKey };
        await expectRejected(sent, mutation.path.map(String).join('.'));
      }),
      { numRuns: 200 },
    );
  });

  test('malformed JSON bytes and bodies that are not objects: 400 invalid_request_error naming no field', async () => {
    const structural = (text: string) =>
      fc.oneof(
        // Every proper prefix of an object's text is unterminated.
        fc.integer({ min: 1, max: text.length - 1 }).map((cut) => Buffer.from(text.slice(0, cut))),
        // Bytes in place of the closing brace, none of them a brace: invalid UTF-8, NUL, control bytes.
        fc
          .uint8Array({ minLength: 1, maxLength: 16 })
          .filter((bytes) => !bytes.includes(0x7d))
          .map((bytes) => Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from(bytes)])),
        // A raw control character inside a string literal, which JSON forbids unescaped (`{}` has none).
        text.includes('"')
          ? fc
              .integer({ min: 0, max: 0x1f })
              .map((code) => Buffer.from(text.replace('"', `"${String.fromCharCode(code)}`)))
          : fc.constant(Buffer.from('{"\u0000')),
        fc
          .constantFrom("{'a':1}", '{a:1}', '{"a":1,}', '{"a":01}', '{"a":NaN}', '{"a":.5}', '\u0000{}')
          .map(Buffer.from),
        // JSON, but not an object.
        fc
          .jsonValue({ maxDepth: 2 })
          .filter((value) => value === null || typeof value !== 'object' || Array.isArray(value))
          .map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
      );
    const cases = fc
      .constantFrom(...apiRoutes())
      .chain((route) => fc.record({ route: fc.constant(route), body: structural(exampleText(route)) }));
    await fc.assert(
      fc.asyncProperty(cases, async ({ route, body }) => {
        await expectRejected({ route, body, contentType: 'application/json' }, undefined);
      }),
      { numRuns: 120 },
    );
  });

  test('a valid body under a content type other than JSON is a 400, never read as an empty body', async () => {
    const contentTypes = fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/octet-stream',
      'application/jsonx',
      'text/json',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
    );
    const cases = fc.record({ route: fc.constantFrom(...apiRoutes()), contentType: contentTypes });
    await fc.assert(
      fc.asyncProperty(cases, async ({ route, contentType }) => {
        await expectRejected({ route, body: exampleText(route), contentType }, undefined);
      }),
      { numRuns: 80 },
    );
  });

  test('a body nested 50,000 levels deep with an Idempotency-Key is a 400 naming the field, not a stack overflow', async () => {
    const route = apiRoutes().find((candidate) => candidate.operationId === 'createProduct');
    if (!route) throw new Error('createProduct is not in the OpenAPI document');
    for (const [open, close] of [
      ['[', ']'],
      ['{"a":', '}'],
    ] as const) {
      const nested = `${open.repeat(50_000)}${open === '[' ? '' : '1'}${close.repeat(50_000)}`;
      await expectRejected(
        {
          route,
          body: `{"name":${nested}}`,
          contentType: 'application/json',
          headers: { 'Idempotency-Key': `deep-${open}` },
        },
        'name',
      );
    }
  });

  test('the Idempotency-Key request hash is unchanged by its rewrite without recursion', () => {
    // Computed with the recursive form, so keys stored before the rewrite still match their retries.
    expect(
      requestHash('POST', '/v1/plans?x=1', { b: [1, { d: null, c: 'é\u0000' }, [], {}], a: true, '': -0 }),
    ).toBe('26a64894de307bc9e9ee588b5eda346aae0922fbf05902c6fa21cfb7a95c74f3');
  });

  test('gateway webhooks: any body without a valid signature is a 400 and changes nothing', async () => {
    const signed = routes.filter((route) => route.signed);
    expect(signed.length).toBeGreaterThan(0);
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null'),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.constant(JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded' })),
    );
    const signatures = fc.option(
      fc.oneof(
        fc.stringMatching(/^[\x21-\x7e]{0,80}$/),
        fc
          .tuple(fc.integer({ min: 0, max: 2 ** 31 }), fc.stringMatching(/^[0-9a-f]{64}$/))
          .map(([time, hex]) => `t=${time},v1=${hex}`),
      ),
      { nil: undefined },
    );
    const cases = fc.record({
      route: fc.constantFrom(...signed),
      body: bodies,
      signature: signatures,
      contentType: fc.constantFrom('application/json', 'text/plain', 'application/octet-stream'),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ route, body, signature, contentType }) => {
        const headers: Record<string, string> =
          signature === undefined
            ? {}
            : { 'Perennial-Sandbox-Signature': signature, 'Stripe-Signature': signature };
        await expectRejected({ route, body, contentType, headers }, undefined);
      }),
      { numRuns: 60 },
    );
  });
});
