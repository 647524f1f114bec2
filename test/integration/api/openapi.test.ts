import { Client } from '@temporalio/client';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import express, { type Express } from 'express';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { z } from 'zod';
import { createApiApp } from '../../../src/api/app';
import { requestBodyOf, type JsonSchema, type OpenApiDocument } from '../../../src/api/openapi';
import { buildApiDocument } from '../../../src/api/openapi-document';
import { BILLING_REASONS, INVOICE_STATUSES } from '../../../src/db/entities/invoice';
import { INVOICE_LINE_KINDS } from '../../../src/db/entities/invoice-line';
import { SUBSCRIPTION_STATUSES } from '../../../src/api/schemas/subscriptions';
import { createLogger } from '../../../src/logging';
import {
  CONTRACT_VIOLATION_STATUS,
  createResponseValidator,
  validatingApp,
} from '../../support/response-validation';
import { customerResponseSchema, createCustomerSchema } from '../../../src/api/schemas/customers';
import { planListSchema } from '../../../src/api/schemas/plans';
import { startApiHarness, type ApiHarness } from './harness';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

/** Every `$ref` anywhere in the document, with where it was found. */
function refsIn(value: unknown, at = '#'): { ref: string; at: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => refsIn(item, `${at}/${index}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === '$ref' && typeof item === 'string' ? [{ ref: item, at }] : refsIn(item, `${at}/${key}`),
  );
}

function resolve(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, part) =>
        node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined,
      document,
    );
}

interface SpecVerdict {
  valid: boolean;
  version: string | null;
  errors: unknown;
}

/**
 * Validates a document with @seriousme/openapi-schema-validator: the OpenAPI 3.1 JSON Schema from the
 * specification's repository, run by ajv, plus its check that every `$ref` resolves. The package is ESM only and
 * jest runs CommonJS here, so it runs in a plain node child process fed the document on stdin.
 */
function validateSpec(document: unknown): Promise<SpecVerdict> {
  const script = [
    "import { Validator } from '@seriousme/openapi-schema-validator';",
    "let text = '';",
    'for await (const chunk of process.stdin) text += chunk;',
    'const validator = new Validator();',
    'const result = await validator.validate(JSON.parse(text));',
    'process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version ?? null,',
    '  errors: result.errors ?? null }));',
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: process.cwd(), timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as SpecVerdict);
      },
    );
    child.stdin?.end(JSON.stringify(document));
  });
}

interface LintVerdict {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string }[];
}

/**
 * Runs Redocly's CLI, as an integrator would, on a document: the repository's `redocly.yaml` (the recommended
 * rules, none switched off), JSON output. Telemetry and the update check are off, so it never reaches the network.
 */
function lint(document: unknown): Promise<LintVerdict> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'perennial-lint-'));
  const file = path.join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const cli = require.resolve('@redocly/cli/bin/cli.js');
  return new Promise<LintVerdict>((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'lint', file, '--config', 'redocly.yaml', '--format', 'json'],
      {
        cwd: process.cwd(),
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
      (error, stdout, stderr) => {
        // Errors make the CLI exit non-zero; the JSON on stdout still says what they are.
        try {
          resolve(JSON.parse(stdout) as LintVerdict);
        } catch {
          reject(new Error(`${error?.message ?? 'no JSON from redocly'}\n${stderr}`));
        }
      },
    );
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

interface RouterLayer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
}

/** Every `METHOD /path` the Express app answers, mount paths included, read from its router. */
function servedRoutes(app: Express): string[] {
  const walk = (stack: RouterLayer[], prefix: string): string[] =>
    stack.flatMap((layer) => {
      const route = layer.route;
      if (route)
        return Object.keys(route.methods).map((method) => `${method.toUpperCase()} ${prefix}${route.path}`);
      const mount = layer.rawPath && layer.rawPath !== '/' ? layer.rawPath : '';
      return layer.handle.stack ? walk(layer.handle.stack, `${prefix}${mount}`) : [];
    });
  return walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
}

/** A component's schema, following one `$ref`. */
function schemaAt(document: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string') return schema;
  return document.components.schemas[ref.replace('#/components/schemas/', '')];
}

/** The enum of a property, also when it is nullable (`anyOf: [{enum}, {type: null}]`). */
function enumOf(property: unknown): unknown[] | undefined {
  if (property === null || typeof property !== 'object') return undefined;
  const schema = property as JsonSchema;
  if (Array.isArray(schema.enum)) return schema.enum;
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map(enumOf).find((values) => values !== undefined);
  return undefined;
}

function propertiesOf(schema: JsonSchema | undefined): Record<string, JsonSchema> {
  return (schema?.properties ?? {}) as Record<string, JsonSchema>;
}

describe('OpenAPI document and human docs', () => {
  let h: ApiHarness;
  let document: OpenApiDocument;

  beforeAll(async () => {
    h = await startApiHarness();
    document = (await request(h.app).get('/v1/openapi.json').expect(200).expect('Content-Type', /json/)).body;
  });

  afterAll(async () => {
    await h?.close();
  });

  test('validates against the OpenAPI 3.1 schema, and the validator catches a broken document', async () => {
    expect(await validateSpec(document)).toEqual({ valid: true, version: '3.1', errors: null });
    // The same validator refuses what a client generator would choke on, so the pass above means something.
    const broken = structuredClone(document) as unknown as Record<string, Record<string, unknown>>;
    delete broken.info?.title;
    const verdict = await validateSpec(broken);
    expect(verdict.valid).toBe(false);
    expect(JSON.stringify(verdict.errors)).toContain('title');
    const dangling = structuredClone(document);
    const create = dangling.components.requestBodies.CreateCustomerRequest;
    if (create) create.content['application/json'].schema = { $ref: '#/components/schemas/Nowhere' };
    expect(await validateSpec(dangling)).toMatchObject({ valid: false });
  });

  test('every schema of the document is a valid JSON Schema 2020-12 that compiles in strict mode', () => {
    // The OpenAPI schema leaves Schema Objects to the dialect; ajv's 2020-12 meta-schema checks them.
    const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false });
    addFormats(ajv);
    const requestSchemas = Object.entries(document.components.requestBodies).map(
      ([name, body]): [string, Record<string, unknown>] => [name, body.content['application/json'].schema],
    );
    expect(requestSchemas.length).toBeGreaterThan(0);
    const invalid = [...requestSchemas, ...Object.entries(document.components.schemas)]
      .filter(([, schema]) => !ajv.validateSchema({ $schema: document.jsonSchemaDialect, ...schema }))
      .map(([name]) => name);
    expect(invalid).toEqual([]);
    const { check } = createResponseValidator(document);
    // Compiles every documented response schema (what the contract validator of the test app checks against).
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const status of Object.keys(operation.responses)) {
          const concrete = path.replace(/\{[^}]+\}/g, 'x');
          expect(() => check(method.toUpperCase(), concrete, Number(status), {})).not.toThrow();
        }
      }
    }
    expect(check('GET', '/v1/customers/cus_x', 404, { error: { type: 'not_found' } })).toContainEqual(
      expect.stringContaining("must have required property 'code'"),
    );
    expect(check('GET', '/v1/customers/cus_x', 418, {})).toEqual([
      expect.stringContaining('418 is not a documented status'),
    ]);
  });

  test('the contract validator wrapped around every test app turns a response that strays from it into a 597', async () => {
    // A stand-in for a route that drifted from its schema: a customer without most of its fields, a status the
    // operation does not document, and an error in the wrong shape.
    const drifted = express();
    drifted.get('/v1/customers/:id', (req, res) => {
      if (req.params.id === 'cus_teapot') res.status(418).json({ error: 'teapot' });
      else if (req.params.id === 'cus_gone') res.status(404).json({ message: 'gone' });
      else res.json({ object: 'customer', id: req.params.id });
    });
    drifted.get('/v1/plans', (_req, res) => {
      res.json({ object: 'list', data: [], has_more: false, next_cursor: null });
    });
    const wrapped = validatingApp(drifted, document);
    const partial = await request(wrapped.app).get('/v1/customers/cus_1').expect(CONTRACT_VIOLATION_STATUS);
    expect(partial.body.contract_violation.problem).toContain("must have required property 'email'");
    await request(wrapped.app).get('/v1/customers/cus_teapot').expect(CONTRACT_VIOLATION_STATUS);
    await request(wrapped.app).get('/v1/customers/cus_gone').expect(CONTRACT_VIOLATION_STATUS);
    await request(wrapped.app).get('/v1/plans').expect(200);
    expect(wrapped.violations.map((v) => v.status)).toEqual([200, 418, 404]);
    expect(() => wrapped.assertConformant()).toThrow('3 response(s) contradict the OpenAPI document');
  });

  // Rules of the specification that its JSON Schema cannot express, checked directly.
  test('is a structurally sound OpenAPI 3.1 document: unique operation ids, declared path parameters', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(document.paths).length).toBeGreaterThan(0);
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(document.paths)) {
      expect(path).toMatch(/^\/v1\//);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        expect(operationIds.has(operation.operationId)).toBe(false);
        operationIds.add(operation.operationId);
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(response.description).toEqual(expect.any(String));
        }
        const pathParams: string[] = [];
        for (const parameter of operation.parameters) {
          if ('$ref' in parameter || parameter.in !== 'path') continue;
          expect(parameter.required).toBe(true);
          pathParams.push(parameter.name);
        }
        expect(pathParams.sort()).toEqual([...templated].sort());
        if (operation.requestBody) expect(method).not.toBe('get');
      }
    }
    const unresolved = refsIn(document).filter(({ ref }) => resolve(document, ref) === undefined);
    expect(unresolved).toEqual([]);
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      expect({ name, hasSchemaKeyword: '$schema' in schema || '$id' in schema }).toEqual({
        name,
        hasSchemaKeyword: false,
      });
    }
  });

  test('documents every resource route with its error statuses and the Idempotency-Key on POSTs', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /v1/settings',
        'PUT /v1/settings',
        'GET /v1/settings/accounting',
        'PUT /v1/settings/accounting',
        'POST /v1/products',
        'GET /v1/products',
        'GET /v1/products/{id}',
        'POST /v1/products/{id}',
        'POST /v1/plans',
        'GET /v1/plans',
        'GET /v1/plans/{id}',
        'POST /v1/plans/{id}',
        'POST /v1/customers',
        'GET /v1/customers',
        'GET /v1/customers/{id}',
        'POST /v1/customers/{id}',
        'POST /v1/customers/{id}/payment_methods',
        'GET /v1/customers/{id}/payment_methods',
        'POST /v1/subscriptions',
        'GET /v1/subscriptions',
        'GET /v1/subscriptions/{id}',
        'POST /v1/subscriptions/{id}/cancel',
        'POST /v1/subscriptions/{id}/reactivate',
        'POST /v1/subscriptions/{id}/pause',
        'POST /v1/subscriptions/{id}/resume',
        'POST /v1/subscriptions/{id}/change',
        'POST /v1/subscriptions/{id}/change/cancel',
        'POST /v1/subscriptions/{id}/change/preview',
        'POST /v1/subscriptions/{id}/payment_method',
        'POST /v1/subscriptions/{id}/coupon',
        'DELETE /v1/subscriptions/{id}/discounts/{coupon_id}',
        'POST /v1/subscriptions/{id}/retry',
        'POST /v1/subscriptions/{id}/items',
        'POST /v1/subscriptions/{id}/items/preview',
        'POST /v1/subscriptions/{id}/items/{item_id}',
        'POST /v1/subscriptions/{id}/items/{item_id}/preview',
        'POST /v1/subscriptions/{id}/items/{item_id}/remove/preview',
        'DELETE /v1/subscriptions/{id}/items/{item_id}',
        'GET /v1/subscriptions/{id}/usage',
        'GET /v1/invoices',
        'GET /v1/invoices/{id}',
        'POST /v1/invoices/{id}/void',
        'POST /v1/invoices/{id}/pay',
        'GET /v1/invoices/{id}/einvoice',
        'GET /v1/invoices/{id}/pdf',
        'POST /v1/invoices',
        'POST /v1/invoice_items',
        'GET /v1/invoice_items',
        'GET /v1/invoice_items/{id}',
        'DELETE /v1/invoice_items/{id}',
        'POST /v1/meters',
        'GET /v1/meters',
        'GET /v1/meters/{id}',
        'POST /v1/meters/{id}/archive',
        'GET /v1/payments',
        'GET /v1/payments/{id}',
        'POST /v1/credit_notes',
        'GET /v1/credit_notes',
        'GET /v1/credit_notes/{id}',
        'GET /v1/credit_notes/{id}/pdf',
        'GET /v1/credit_notes/{id}/einvoice',
        'GET /v1/revenue/recognized',
        'GET /v1/revenue/deferred',
        'GET /v1/exports/journal',
        'GET /v1/exports/datev',
        'GET /v1/reports/receivables_aging',
        'POST /v1/refunds',
        'GET /v1/refunds',
        'GET /v1/refunds/{id}',
        'GET /v1/disputes',
        'GET /v1/disputes/{id}',
        'POST /v1/usage_events',
        'GET /v1/events',
        'POST /v1/portal_sessions',
        'POST /v1/portal_sessions/revoke',
        'POST /v1/coupons',
        'GET /v1/coupons',
        'GET /v1/coupons/{id}',
        'POST /v1/gateway_webhooks/{gateway}',
        'POST /v1/webhook_endpoints',
        'GET /v1/webhook_endpoints',
        'GET /v1/webhook_endpoints/{id}',
        'POST /v1/webhook_endpoints/{id}',
        'DELETE /v1/webhook_endpoints/{id}',
        'GET /v1/webhook_endpoints/{id}/deliveries',
        'POST /v1/webhook_deliveries/{id}/redeliver',
        'POST /v1/test_clocks',
        'GET /v1/test_clocks',
        'GET /v1/test_clocks/{id}',
        'POST /v1/test_clocks/{id}/advance',
        'DELETE /v1/test_clocks/{id}',
        'GET /v1/analytics/revenue',
        'GET /v1/analytics/cohorts',
        'GET /v1/analytics/mrr_movements',
        'GET /v1/analytics/settings',
        'PUT /v1/analytics/settings',
      ].sort(),
    );
    // Reports document their CSV form beside the JSON one, with its columns.
    const revenueCsv = document.paths['/v1/analytics/revenue']?.get?.responses['200']?.content?.['text/csv'];
    expect(revenueCsv?.schema).toMatchObject({
      type: 'string',
      description: expect.stringContaining('mrr_start'),
    });
    expect(document.paths['/v1/customers']?.get?.responses['200']?.content?.['text/csv']).toBeUndefined();
    // Every group of operations says what it is for, in the document and on the human page.
    expect(document.tags.filter((tag) => !tag.description).map((tag) => tag.name)).toEqual([]);
    const create = document.paths['/v1/customers']?.post;
    expect(Object.keys(create?.responses ?? {}).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '409',
      '429',
      '500',
      '503',
    ]);
    expect(create?.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(document.paths['/v1/customers/{id}']?.get?.responses['404']).toBeDefined();
    // Gateways authenticate by signature: no API key, no Idempotency-Key, no 401.
    const gatewayWebhook = document.paths['/v1/gateway_webhooks/{gateway}']?.post;
    expect(gatewayWebhook?.security).toEqual([]);
    expect(Object.keys(gatewayWebhook?.responses ?? {}).sort()).toEqual([
      '200',
      '400',
      '404',
      '409',
      '500',
      '503',
    ]);
    expect(gatewayWebhook?.parameters).not.toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    const list = document.paths['/v1/products']?.get;
    expect(list?.parameters).toContainEqual(
      expect.objectContaining({ name: 'limit', in: 'query', required: false }),
    );
    expect(list?.parameters).toContainEqual(expect.objectContaining({ name: 'starting_after', in: 'query' }));
    const disputes = document.paths['/v1/disputes']?.get;
    expect(disputes?.tags).toEqual(['Disputes']);
    for (const filter of ['status', 'customer_id', 'invoice_id']) {
      expect(disputes?.parameters).toContainEqual(expect.objectContaining({ name: filter, in: 'query' }));
    }
    expect(document.tags).toContainEqual({
      name: 'Disputes',
      description: expect.stringContaining('chargeback'),
    });
  });

  test('is generated from the same zod schemas that validate requests and shape responses', () => {
    const strip = (schema: Record<string, unknown>) => {
      const { $schema: _schema, ...rest } = schema;
      return rest;
    };
    const createCustomer =
      document.components.requestBodies.CreateCustomerRequest?.content['application/json'];
    expect(createCustomer?.schema).toEqual(
      strip(z.toJSONSchema(createCustomerSchema, { io: 'input' }) as Record<string, unknown>),
    );
    expect(document.components.schemas.Customer).toEqual(
      strip(z.toJSONSchema(customerResponseSchema) as Record<string, unknown>),
    );
    expect(createCustomer?.schema).toMatchObject({ additionalProperties: false });
    // Lists refer to their item schema instead of repeating it.
    expect(JSON.stringify(document.components.schemas.PlanList)).toContain(
      '"$ref":"#/components/schemas/Plan"',
    );
    expect(
      planListSchema.safeParse({ object: 'list', data: [], has_more: false, next_cursor: null }).success,
    ).toBe(true);
    expect(document.paths['/v1/customers']?.post?.requestBody).toEqual({
      $ref: '#/components/requestBodies/CreateCustomerRequest',
    });
  });

  test('is public, while the resources it describes need a key', async () => {
    await request(h.app).get('/v1/openapi.json').expect(200);
    await request(h.app).get('/v1/customers').expect(401);
  });

  test('/docs is a self-contained HTML page listing every endpoint and schema, with no external assets', async () => {
    const page = await request(h.app).get('/docs').expect(200).expect('Content-Type', /html/);
    const html = page.text;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item)) {
        expect(html).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
      }
    }
    for (const name of [
      ...Object.keys(document.components.schemas),
      ...Object.keys(document.components.requestBodies),
    ])
      expect(html).toContain(`id="schema-${name}"`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain('<code>amounts</code>');
  });
  test("passes Redocly's recommended lint with no error and no warning, and the lint catches a flaw", async () => {
    expect(await lint(document)).toMatchObject({ totals: { errors: 0, warnings: 0 }, problems: [] });
    const flawed = structuredClone(document) as unknown as { info: Record<string, unknown> };
    delete flawed.info.license;
    const verdict = await lint(flawed);
    expect(verdict.problems.map((problem) => problem.ruleId)).toContain('info-license');
    expect(verdict.totals.warnings + verdict.totals.errors).toBeGreaterThan(0);
  });

  test('the document built without a server is the one the API serves, with its licence and server', () => {
    expect(buildApiDocument()).toEqual(document);
    expect(document.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
    expect(document.servers).toEqual([{ url: '/', description: expect.stringContaining('localhost:3000') }]);
  });

  test('documents every route the app serves under /v1; probes, metrics and the document itself stay outside', async () => {
    const client = new Client();
    try {
      const { app } = createApiApp({
        orm: h.db.orm,
        client,
        logger: createLogger('silent', 'openapi-test'),
        config: { TEMPORAL_TASK_QUEUE: 'unused', RATE_LIMIT_PER_MINUTE: 10 },
      });
      const documented = Object.entries(document.paths).flatMap(([template, item]) =>
        Object.keys(item).map(
          (method) => `${method.toUpperCase()} ${template.replace(/\{([^}]+)\}/g, ':$1')}`,
        ),
      );
      // The customer portal and the operator console are HTML pages for browsers, not operations of the API.
      const served = servedRoutes(app).filter(
        (route) => !/^[A-Z]+ \/(portal|admin|assets)(\/|$)/.test(route),
      );
      expect(served.length).toBeGreaterThan(documented.length);
      expect(documented.filter((route) => !served.includes(route))).toEqual([]);
      // For load balancers, Prometheus and readers of the API, not operations of a client.
      expect(served.filter((route) => !documented.includes(route)).sort()).toEqual(
        ['GET /docs', 'GET /healthz', 'GET /metrics', 'GET /readyz', 'GET /v1/openapi.json'].sort(),
      );
    } finally {
      await client.connection.close();
    }
  });

  test('names components after resources, never after the operation that declared them', () => {
    const schemas = Object.keys(document.components.schemas);
    expect(schemas.filter((name) => /(Response|Request)$/.test(name))).toEqual([]);
    expect(
      Object.keys(document.components.requestBodies).filter((name) => !name.endsWith('Request')),
    ).toEqual([]);
    const answer = (template: string, method: 'get' | 'post', status = '200') =>
      document.paths[template]?.[method]?.responses[status]?.content?.['application/json']?.schema;
    expect(answer('/v1/subscriptions', 'post', '201')).toEqual({ $ref: '#/components/schemas/Subscription' });
    expect(answer('/v1/subscriptions/{id}/resume', 'post')).toEqual({
      $ref: '#/components/schemas/Subscription',
    });
    expect(answer('/v1/subscriptions/{id}/change/preview', 'post')).toEqual({
      $ref: '#/components/schemas/SubscriptionChangePreview',
    });
    expect(answer('/v1/invoices/{id}', 'get')).toEqual({ $ref: '#/components/schemas/Invoice' });
    expect(answer('/v1/disputes/{id}', 'get')).toEqual({ $ref: '#/components/schemas/Dispute' });
    expect(answer('/v1/events', 'get')).toEqual({ $ref: '#/components/schemas/EventList' });
    // A resource's parts are one named type wherever they appear.
    const subscription = document.components.schemas.Subscription;
    expect(propertiesOf(subscription).items).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/SubscriptionItem' },
    });
    expect(JSON.stringify(document.components.schemas.SubscriptionChangePreview)).toContain(
      '"$ref":"#/components/schemas/SubscriptionItem"',
    );
    expect(JSON.stringify(document.components.schemas.InvoiceWithPayment)).toContain(
      '"$ref":"#/components/schemas/InvoiceLine"',
    );
    expect(JSON.stringify(document.components.schemas.InvoiceWithPayment)).toContain(
      '"$ref":"#/components/schemas/Payment"',
    );
  });

  test('a body the server does not need is optional, and fields with server defaults are optional in requests', async () => {
    const bodyOf = (template: string, method = 'post') => {
      const operation = document.paths[template]?.[method];
      return operation ? requestBodyOf(document, operation) : undefined;
    };
    const optional = [
      '/v1/subscriptions/{id}/resume',
      '/v1/subscriptions/{id}/reactivate',
      '/v1/subscriptions/{id}/retry',
      '/v1/subscriptions/{id}/change/cancel',
      '/v1/subscriptions/{id}/cancel',
      '/v1/subscriptions/{id}/pause',
      '/v1/subscriptions/{id}/items/{item_id}/remove/preview',
      '/v1/invoices/{id}/void',
      '/v1/invoices/{id}/pay',
      '/v1/meters/{id}/archive',
    ];
    expect(optional.map((template) => [template, bodyOf(template)?.required])).toEqual(
      optional.map((template) => [template, false]),
    );
    for (const template of ['/v1/customers', '/v1/subscriptions', '/v1/subscriptions/{id}/change']) {
      expect({ template, required: bodyOf(template)?.required }).toEqual({ template, required: true });
    }
    expect(bodyOf('/v1/gateway_webhooks/{gateway}')?.required).toBe(true);
    expect(bodyOf('/v1/subscriptions/{id}/resume')?.name).toBe('EmptyRequest');

    const field = (body: string, name: string) => {
      const schema = document.components.requestBodies[body]?.content['application/json'].schema;
      return {
        required: ((schema?.required ?? []) as string[]).includes(name),
        default: propertiesOf(schema)[name]?.default,
      };
    };
    expect(field('CreatePlanRequest', 'interval_count')).toEqual({ required: false, default: 1 });
    expect(field('CreatePlanRequest', 'pricing_model')).toEqual({ required: false, default: 'per_unit' });
    expect(field('CreateCustomerRequest', 'locale')).toEqual({ required: false, default: 'en' });
    expect(field('PauseSubscriptionRequest', 'at')).toEqual({ required: false, default: 'immediately' });
    expect(field('CancelSubscriptionRequest', 'at')).toEqual({ required: false, default: 'period_end' });
    // In an answer the server has filled them in.
    expect(document.components.schemas.Plan?.required).toEqual(expect.arrayContaining(['interval_count']));

    // The server takes such a command with no body at all, as the document says.
    const meter = await request(h.app)
      .post('/v1/meters')
      .set(h.auth)
      .send({ name: 'API calls', event_name: 'api_call', aggregation: 'sum' })
      .expect(201);
    const archived = await request(h.app).post(`/v1/meters/${meter.body.id}/archive`).set(h.auth).expect(200);
    expect(archived.body).toMatchObject({ id: meter.body.id, archived: true });
  });

  test('statuses and other closed sets are enums, the same in an answer as in the filter of its list', () => {
    const schemas = document.components.schemas;
    expect(enumOf(propertiesOf(schemas.Subscription).status)).toEqual([...SUBSCRIPTION_STATUSES]);
    const nextAction = (propertiesOf(schemas.Subscription).next_action?.anyOf as JsonSchema[])[0];
    expect(enumOf(propertiesOf(nextAction).type)).toEqual(
      expect.arrayContaining(['period_end', 'dunning_retry']),
    );
    expect(enumOf(propertiesOf(schemas.Invoice).status)).toEqual([...INVOICE_STATUSES]);
    expect(enumOf(propertiesOf(schemas.Invoice).billing_reason)).toEqual([...BILLING_REASONS]);
    expect(enumOf(propertiesOf(schemas.InvoiceLine).kind)).toEqual([...INVOICE_LINE_KINDS]);
    expect(enumOf(propertiesOf(schemas.Coupon).duration)).toEqual(['once', 'repeating', 'forever']);
    // The audit log's types are an open, patterned set (new transitions add types; old ones stay in the log).
    expect(propertiesOf(schemas.Event).type).toMatchObject({ type: 'string', pattern: expect.any(String) });

    const compared: string[] = [];
    for (const [template, item] of Object.entries(document.paths)) {
      const list = schemaAt(document, item.get?.responses['200']?.content?.['application/json']?.schema);
      const data = propertiesOf(list).data;
      if (!data) continue;
      const element = schemaAt(document, data.items as JsonSchema);
      for (const parameter of item.get?.parameters ?? []) {
        if ('$ref' in parameter || parameter.in !== 'query' || !enumOf(parameter.schema)) continue;
        const property = propertiesOf(element)[parameter.name];
        // `?active=true` filters a boolean field: its query form is the only enum there.
        if (!property || property.type === 'boolean') continue;
        compared.push(`${template}?${parameter.name}`);
        expect({ template, filter: parameter.name, values: enumOf(property) }).toEqual({
          template,
          filter: parameter.name,
          values: enumOf(parameter.schema),
        });
      }
    }
    expect(compared).toEqual(
      expect.arrayContaining(['/v1/subscriptions?status', '/v1/invoices?status', '/v1/disputes?status']),
    );
  });

  test('documents Request-Id, Idempotent-Replayed and Retry-After, and the API sends them', async () => {
    for (const [template, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const keyed = operation.parameters.some(
          (parameter) => '$ref' in parameter && parameter.$ref === '#/components/parameters/IdempotencyKey',
        );
        for (const [status, response] of Object.entries(operation.responses)) {
          const headers = Object.keys(response.headers ?? {});
          const at = `${method} ${template} ${status}`;
          expect({ at, requestId: headers.includes('Request-Id') }).toEqual({ at, requestId: true });
          if (status.startsWith('2'))
            expect({ at, replayed: headers.includes('Idempotent-Replayed') }).toEqual({
              at,
              replayed: keyed,
            });
          if (status === '429')
            expect({ at, headers }).toEqual({ at, headers: expect.arrayContaining(['Retry-After']) });
        }
      }
    }

    const first = await request(h.app)
      .post('/v1/products')
      .set({ ...h.auth, 'Idempotency-Key': 'openapi-headers-1', 'X-Request-Id': 'trace.42' })
      .send({ name: 'Headers' })
      .expect(201);
    expect(first.headers['request-id']).toBe('trace.42');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const replay = await request(h.app)
      .post('/v1/products')
      .set({ ...h.auth, 'Idempotency-Key': 'openapi-headers-1' })
      .send({ name: 'Headers' })
      .expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['request-id']).toMatch(/^req_[0-9a-f-]{36}$/);
    expect(replay.body.id).toBe(first.body.id);

    const client = new Client();
    try {
      const { app: limited } = createApiApp({
        orm: h.db.orm,
        client,
        logger: createLogger('silent', 'openapi-test'),
        config: { TEMPORAL_TASK_QUEUE: 'unused', RATE_LIMIT_PER_MINUTE: 1 },
      });
      await request(limited).get('/v1/customers').set(h.auth).expect(200);
      const refused = await request(limited).get('/v1/customers').set(h.auth).expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.headers.ratelimit).toEqual(expect.any(String));
      expect(refused.headers['request-id']).toMatch(/^req_/);
    } finally {
      await client.connection.close();
    }
  });
});
