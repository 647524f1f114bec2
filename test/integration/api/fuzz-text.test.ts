import { Client } from '@temporalio/client';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../../src/api/app';
import type { OpenApiDocument } from '../../../src/api/openapi';
import { errorResponseSchema } from '../../../src/api/schemas/common';
import { createApiKey } from '../../../src/db/api-keys';
import { SandboxGateway } from '../../../src/gateways';
import type { GatewayEvent } from '../../../src/gateways/types';
import { createLogger } from '../../../src/logging';
import { createTestDatabase, tableSnapshot, type TestDatabase } from '../../support/database';
import { validatingApp } from '../../support/response-validation';
import { TEST_SANDBOX_WEBHOOK_SECRET } from '../../support/workers';
import {
  allOperations,
  alternativeBodies,
  concretePath,
  routeExamples,
  seedFixtures,
  writeRoutes,
  type FuzzOperation,
  type FuzzRoute,
} from './fuzz-routes';
import { siteField, textFields, textSites, withText, type JsonSchema, type TextSite } from './fuzz-schema';

/**
 * Text PostgreSQL cannot store, sent in every place a request carries text: every string field, array item and map
 * key of every POST and PUT body, every path parameter of every operation, every query parameter of every read,
 * and every text field of a signed gateway event. Each is spoiled with a NUL and with lone surrogates, and must be
 * a 400 `invalid_text` naming that place, in the documented error shape (the app is wrapped in the OpenAPI
 * response validator), with no row of any table changed. Nothing reaches Temporal: its client never connects.
 */

/** Ways to spoil a string: a NUL inside it, a lone high surrogate after it, a lone low surrogate before it. */
const SPOILERS: [string, (text: string) => string][] = [
  ['NUL', (text) => `${text.slice(0, 1)}\u0000${text.slice(1)}`],
  ['lone high surrogate', (text) => `${text}\ud800`],
  ['lone low surrogate', (text) => `\udc00${text}`],
];

/**
 * The same in a URL: a NUL is `%00`; a lone surrogate has no UTF-8 form, so the closest a URL can come is the bytes
 * of its WTF-8 form, which are not UTF-8 and must not be read as U+FFFD.
 */
const URL_SPOILERS: [string, (text: string) => string][] = [
  ['NUL', (text) => `${encodeURIComponent(text)}%00`],
  ['lone surrogate bytes', (text) => `%ED%A0%80${encodeURIComponent(text)}`],
  ['invalid UTF-8', (text) => `${encodeURIComponent(text)}%FF`],
];

/** Any JSON value: a string or an object of such values, as the walker of text sites reads schemas. */
const ANY_JSON: JsonSchema = { anyOf: [{ type: 'string' }] };
(ANY_JSON.anyOf as JsonSchema[]).push({ type: 'object', additionalProperties: ANY_JSON });

interface Refusal {
  status: number;
  code: string | undefined;
  param: string | undefined;
}

describe('text PostgreSQL cannot store: 400 invalid_text naming the field, anywhere in a request, no row changed', () => {
  let db: TestDatabase;
  let client: Client;
  let app: Express;
  let assertConformant: () => void;
  let gateway: SandboxGateway;
  let auth: Record<string, string>;
  let document: OpenApiDocument;
  let routes: FuzzRoute[];
  let alternatives: Record<string, Record<string, unknown>[]>;
  let operations: FuzzOperation[];
  let baseline: string;

  const refusal = (response: request.Response): Refusal => {
    const parsed = errorResponseSchema.safeParse(response.body);
    return {
      status: response.status,
      code: parsed.success ? parsed.data.error.code : undefined,
      param: parsed.success ? parsed.data.error.param : undefined,
    };
  };

  const send = (method: string, path: string, signed: boolean) => {
    const pending = request(app)[method as 'get' | 'post' | 'put' | 'delete'](path);
    return signed ? pending : pending.set(auth);
  };

  /** Once per operation rather than per request: a change is still traced to its operation, far cheaper. */
  const expectNoRowChanged = async (operationId: string) => {
    expect({ operationId, rows: await tableSnapshot(db.orm) }).toEqual({ operationId, rows: baseline });
  };

  const bodyRoutes = () => routes.filter((route) => !route.signed);
  /** The route's example body and its alternatives: valid bodies that the spoiling starts from. */
  const bodiesOf = (route: FuzzRoute) => [
    route.example?.body ?? {},
    ...(alternatives[route.operationId] ?? []),
  ];

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client();
    gateway = new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
    const inner = createApp({
      orm: db.orm,
      client,
      logger: createLogger('silent', 'fuzz-text-tests'),
      config: { TEMPORAL_TASK_QUEUE: 'fuzz-text-tests-unused', RATE_LIMIT_PER_MINUTE: 1_000_000 },
      gateway,
    });
    const { secret } = await createApiKey(db.orm.em.fork(), 'fuzz-text');
    auth = { Authorization: `Bearer ${secret}` };
    document = (await request(inner).get('/v1/openapi.json').expect(200)).body;
    ({ app, assertConformant } = validatingApp(inner, document));
    const fixtures = await seedFixtures(inner, auth);
    const examples = routeExamples(fixtures);
    alternatives = alternativeBodies(fixtures);
    routes = writeRoutes(document, examples);
    operations = allOperations(document, examples);
    baseline = await tableSnapshot(db.orm);
  });

  afterAll(async () => {
    await client?.connection.close();
    await db?.drop();
  });

  test('every string field of every POST and PUT body is reached by the examples', () => {
    expect(bodyRoutes().length).toBeGreaterThanOrEqual(25);
    for (const route of bodyRoutes()) {
      const sites = bodiesOf(route)
        .flatMap((body) => textSites(route.schema, body))
        .filter((site) => site.kind !== 'unknown key');
      const reached = new Set(sites.map((site) => siteField(route.schema, site)));
      expect({
        operation: route.operationId,
        unreached: textFields(route.schema).filter((f) => !reached.has(f)),
      }).toEqual({ operation: route.operationId, unreached: [] });
    }
  });

  test('every string field, array item, map key and unknown key of every body, spoiled three ways', async () => {
    let sent = 0;
    for (const route of bodyRoutes()) {
      for (const [example, site] of bodiesOf(route).flatMap((body) =>
        textSites(route.schema, body).map((found) => [body, found] as const),
      )) {
        for (const [spoiler, spoil] of SPOILERS) {
          const { body, param } = withText(example, site, spoil(site.original));
          const response = await send(route.method, route.path, false)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          const where = {
            operation: route.operationId,
            site: `${site.kind} ${site.path.join('.')}`,
            spoiler,
          };
          expect({ ...where, ...refusal(response) }).toEqual({
            ...where,
            status: 400,
            code: 'invalid_text',
            param,
          });
          sent += 1;
        }
      }
      await expectNoRowChanged(route.operationId);
    }
    expect(sent).toBeGreaterThan(300);
  });

  test('a body whose bytes are not UTF-8 is refused, not read with U+FFFD in their place', async () => {
    for (const route of bodyRoutes()) {
      const text = JSON.stringify(route.example?.body ?? {});
      const site = textSites(route.schema, route.example?.body ?? {}).find(
        (candidate): candidate is TextSite =>
          candidate.kind === 'value' && text.includes(JSON.stringify(candidate.original)),
      );
      // The WTF-8 bytes of U+D800 inside one of the body's strings, or in a new key where it has none.
      const at = site ? text.indexOf(JSON.stringify(site.original)) + 1 : 2;
      const [before, after] = site
        ? [text.slice(0, at), text.slice(at)]
        : ['{"', text === '{}' ? '":1}' : `":1,${text.slice(1)}`];
      const bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(after)]);
      const response = await send(route.method, route.path, false)
        .set('Content-Type', 'application/json')
        .serialize((raw: Buffer) => raw as unknown as string)
        .send(bytes as unknown as string);
      const where = { operation: route.operationId };
      expect({ ...where, ...refusal(response) }).toEqual({
        ...where,
        status: 400,
        code: 'invalid_text',
        param: undefined,
      });
    }
    await expectNoRowChanged('every body route');
  });

  test('every path parameter of every operation, reads and deletes included', async () => {
    let sent = 0;
    for (const operation of operations) {
      for (const name of operation.pathParams) {
        const value = operation.example?.params[name] ?? 'x';
        for (const [spoiler, spoil] of URL_SPOILERS) {
          const path = concretePath(operation, operation.example?.params ?? {}, { [name]: spoil(value) });
          let pending = send(operation.method, path, operation.signed);
          if (operation.example) pending = pending.send(operation.example.body);
          const where = { operation: operation.operationId, param: name, spoiler };
          expect({ ...where, ...refusal(await pending) }).toEqual({
            ...where,
            status: 400,
            code: 'invalid_text',
            param: name,
          });
          sent += 1;
        }
      }
      await expectNoRowChanged(operation.operationId);
    }
    expect(operations.filter((operation) => operation.method === 'delete').length).toBeGreaterThanOrEqual(2);
    expect(sent).toBeGreaterThan(80);
  });

  test('every query parameter of every read, and an unknown one', async () => {
    const reads = operations.filter((operation) => operation.method === 'get');
    expect(reads.filter((operation) => operation.queryParams.includes('email'))).toHaveLength(1);
    let sent = 0;
    for (const operation of reads) {
      const path = concretePath(operation, {});
      for (const name of [...operation.queryParams, 'note']) {
        for (const [spoiler, spoil] of URL_SPOILERS) {
          const response = await send('get', `${path}?${name}=${spoil('a')}`, false);
          const where = { operation: operation.operationId, query: name, spoiler };
          expect({ ...where, ...refusal(response) }).toEqual({
            ...where,
            status: 400,
            code: 'invalid_text',
            param: name,
          });
          sent += 1;
        }
      }
      // The name itself can carry the NUL too.
      const response = await send('get', `${path}?limit=1&no%00te=1`, false);
      expect({ operation: operation.operationId, ...refusal(response) }).toEqual({
        operation: operation.operationId,
        status: 400,
        code: 'invalid_text',
        param: 'no\u0000te',
      });
    }
    expect(sent).toBeGreaterThan(100);
    await expectNoRowChanged('every read');
  });

  test('every text field of a signed gateway event: refused after the signature, before anything is stored', async () => {
    const route = routes.find((candidate) => candidate.signed);
    if (!route) throw new Error('the gateway webhook is not in the OpenAPI document');
    const metadata = { subscription_id: 'sub_1', invoice_id: 'in_1' };
    const events: GatewayEvent[] = [
      { type: 'payment.succeeded', chargeId: 'ch_1', amount: { amount: 100, currency: 'EUR' }, metadata },
      {
        type: 'payment.failed',
        chargeId: 'ch_1',
        declineCode: 'generic_decline',
        message: 'Declined',
        metadata,
      },
      {
        type: 'payment.disputed',
        chargeId: 'ch_1',
        disputeId: 'dp_1',
        amount: { amount: 100, currency: 'EUR' },
        reason: 'fraudulent',
        metadata,
      },
    ];
    let sent = 0;
    for (const event of events) {
      const delivery = { eventId: 'evt_1', event };
      const sites = textSites(ANY_JSON, delivery).filter((site) => {
        const path = site.path.join('.');
        // The event's own field names and its enums and currency code are checked by the gateway's parsing, which
        // refuses them first (invalid_payload); metadata keys and every free text are the event's text fields.
        if (site.kind === 'key') return site.path.length === 3 && path.startsWith('event.metadata.');
        return (
          site.kind === 'value' &&
          !['event.type', 'event.declineCode', 'event.amount.currency'].includes(path)
        );
      });
      expect(sites.length).toBeGreaterThanOrEqual(5);
      for (const site of sites) {
        for (const [spoiler, spoil] of SPOILERS) {
          const { body, param } = withText(delivery, site, spoil(site.original));
          const spoiled = body as typeof delivery;
          const signed = gateway.signedDelivery(spoiled.eventId, spoiled.event);
          const response = await request(app).post(route.path).set(signed.headers).send(signed.rawBody);
          const where = { event: event.type, site: `${site.kind} ${site.path.join('.')}`, spoiler };
          expect({ ...where, ...refusal(response) }).toEqual({
            ...where,
            status: 400,
            code: 'invalid_text',
            param,
          });
          sent += 1;
        }
      }
    }
    expect(sent).toBeGreaterThan(40);
    await expectNoRowChanged(route.operationId);
  });

  test('every answer above was the documented 400 of its operation', () => {
    expect(() => assertConformant()).not.toThrow();
  });
});
