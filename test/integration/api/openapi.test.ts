import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import express from 'express';
import { execFile } from 'node:child_process';
import request from 'supertest';
import { z } from 'zod';
import type { OpenApiDocument } from '../../../src/api/openapi';
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
    const create = dangling.paths['/v1/customers']?.post;
    if (create?.requestBody)
      create.requestBody.content['application/json'].schema = { $ref: '#/components/schemas/Nowhere' };
    expect(await validateSpec(dangling)).toMatchObject({ valid: false });
  });

  test('every schema of the document is a valid JSON Schema 2020-12 that compiles in strict mode', () => {
    // The OpenAPI schema leaves Schema Objects to the dialect; ajv's 2020-12 meta-schema checks them.
    const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false });
    addFormats(ajv);
    const invalid = Object.entries(document.components.schemas)
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
        'POST /v1/coupons',
        'GET /v1/coupons',
        'GET /v1/coupons/{id}',
        'POST /v1/gateway_webhooks/{gateway}',
        'POST /v1/webhook_endpoints',
        'GET /v1/webhook_endpoints',
        'GET /v1/webhook_endpoints/{id}',
        'POST /v1/webhook_endpoints/{id}',
        'DELETE /v1/webhook_endpoints/{id}',
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
    expect(Object.keys(gatewayWebhook?.responses ?? {}).sort()).toEqual(['200', '400', '404', '500', '503']);
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
    expect(document.components.schemas.CreateCustomerRequest).toEqual(
      strip(z.toJSONSchema(createCustomerSchema, { io: 'input' }) as Record<string, unknown>),
    );
    expect(document.components.schemas.Customer).toEqual(
      strip(z.toJSONSchema(customerResponseSchema) as Record<string, unknown>),
    );
    expect(document.components.schemas.CreateCustomerRequest).toMatchObject({ additionalProperties: false });
    // Lists refer to their item schema instead of repeating it.
    expect(JSON.stringify(document.components.schemas.PlanList)).toContain(
      '"$ref":"#/components/schemas/Plan"',
    );
    expect(
      planListSchema.safeParse({ object: 'list', data: [], has_more: false, next_cursor: null }).success,
    ).toBe(true);
    expect(document.paths['/v1/customers']?.post?.requestBody?.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreateCustomerRequest',
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
    for (const name of Object.keys(document.components.schemas))
      expect(html).toContain(`id="schema-${name}"`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain('<code>amounts</code>');
  });
});
