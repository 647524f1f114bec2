import { Router } from 'express';
import { z } from 'zod';
import { REQUEST_NAMES, RESPONSE_NAMES } from './component-names';
import { renderDocsPage } from './docs';
import { errorStatus } from './errors';
import type { AnyRouteSpec, RouteRegistry } from './route';
import {
  REQUEST_BODY_PREFIX,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiParameter,
  type OpenApiRequestBody,
} from './openapi-types';

export {
  requestBodyOf,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiHeader,
  type OpenApiOperation,
  type OpenApiParameter,
  type OpenApiRequestBody,
  type OpenApiResponse,
} from './openapi-types';

/** What each group of operations is for, shown above the group in the document and on `/docs`. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  Settings:
    'The seller: legal name, address, VAT id, invoice number prefix, time zone, dunning policy, VAT rates of ' +
    "countries outside the EU, the From of the customers' emails; and its books " +
    '(`/settings/accounting`): DATEV numbers, chart of accounts, account overrides, the e-invoice contact.',
  Products: 'What is sold; plans price a product.',
  Plans:
    'Billing interval, pricing model (flat, per unit, package, graduated, volume) and one price per currency; ' +
    'a metered plan names its meter.',
  Meters:
    'What a metered plan counts and how a period of usage events becomes one quantity (sum, max, unique count). ' +
    'An archived meter takes no new plans or usage and still bills the usage recorded.',
  Usage: 'Usage events of metered subscriptions, stored once per client id and billed in arrears.',
  Customers: 'Who pays: contact, country and VAT id (tax), locale (emails, documents), payment methods.',
  Subscriptions:
    'One durable workflow per subscription; commands are validated updates answered with the resulting state.',
  'Invoice items':
    "One-off charges and credits waiting for the customer's next invoice: a renewal of their subscription or a " +
    'one-off invoice.',
  Invoices:
    'Finalized invoices with gapless numbers per seller and year; one-off invoices outside subscriptions, paid ' +
    'now or left open; void and pay; each also as an EN 16931 e-invoice (XRechnung CII or UBL, ZUGFeRD).',
  Payments: 'Charge attempts of invoices with their outcome, keyed `<invoice>:attempt:<n>` at the gateway.',
  'Credit notes':
    'Corrections of paid invoices, which themselves never change: to the balance, refunded, or written off. Each ' +
    'is a document (a gapless `CN-` number per year, one line per VAT rate, a PDF, an e-invoice, an email to the ' +
    'customer) and emits `credit_note.created`.',
  Revenue:
    'Revenue recognised per day over each invoice line’s service period, and the deferred balance at a date; per ' +
    'currency, product and tax country, as JSON or CSV (docs/accounting.md).',
  Exports:
    'The bookings of a period for the accountant: the double-entry journal (JSON or CSV) and a DATEV EXTF ' +
    'Buchungsstapel, on SKR03 or SKR04 accounts.',
  Reports: 'Receivables aging: what customers still owed at a date, by days past due.',
  Refunds:
    'Money returned on a payment: refunds made through this API (once per Idempotency-Key), refunds made at the ' +
    'gateway’s dashboard (recorded once from its webhook, with a credit note) and chargebacks of lost disputes. ' +
    'Each emits `refund.created`.',
  Disputes:
    'A cardholder disputing a payment with their card issuer, as the payment gateway reports it through its ' +
    'webhooks (opened, updated, won, lost). A lost dispute takes the payment back: a `chargeback` refund, the ' +
    'invoice reopened for the disputed amount and the subscription in dunning for it; the gateway’s dispute fee is ' +
    'kept as `fee_amount` and billed on the next invoice. Each step is a domain event, an outbound webhook and an ' +
    'email to the seller’s `notification_email`.',
  Coupons: 'Percent or fixed discounts with duration, expiry and redemption limits.',
  Events: 'The audit log of domain events that also feeds outbound webhooks.',
  Analytics:
    'Revenue figures from the MRR ledger (MRR, movements, churn, retention, ARPU, LTV, trials, dunning recovery, ' +
    'cohorts), as JSON or CSV; test-clock data stays out unless asked for.',
  'Webhook endpoints': 'Where signed outbound webhooks go, and which event types each receives.',
  'Gateway webhooks': "Payment gateways' own events, authenticated by their signature.",
  Portal: 'Short-lived tokens that let a self-service portal act for one customer.',
  'Test clocks':
    'Simulated time for customers and their subscriptions: advance months of billing in seconds.',
};

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  400:
    'Invalid request: the error names the offending field in `param`. Any request can get `invalid_text`: text ' +
    'with U+0000 or an unpaired UTF-16 surrogate, or a path, query or body that is not valid UTF-8.',
  401: 'Missing or invalid API key',
  403: "A portal session outside its own customer's resources",
  404: 'No such object',
  409: 'Conflict (for example an Idempotency-Key reused with a different body)',
  422: 'The request is valid but cannot be applied in the current state',
  429: 'Rate limited',
  500: 'Internal error',
  503: 'A dependency is unavailable; retry with the same Idempotency-Key',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

/** Where a named request schema lives: inside its request body component, not under `components.schemas`. */
const requestSchemaUri = (id: string) => `${REQUEST_BODY_PREFIX}${id}/content/application~1json/schema`;

function componentsOf(
  registry: z.core.$ZodRegistry<{ id: string }>,
  io: 'input' | 'output',
  uri: (id: string) => string,
): Record<string, JsonSchema> {
  const converted = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri,
  }) as {
    schemas: Record<string, JsonSchema>;
  };
  return Object.fromEntries(
    Object.entries(converted.schemas).map(([name, schema]) => {
      const { $schema: _schema, $id: _id, ...rest } = schema;
      return [name, rest];
    }),
  );
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query'): OpenApiParameter[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** Every `$ref` under a value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === '$ref' && typeof item === 'string' ? [item] : refsIn(item),
  );
}

/** The named schemas the operations reach, directly or through other schemas; the rest are left out. */
function reachableSchemas(roots: unknown, schemas: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const prefix = '#/components/schemas/';
  const reached = new Set<string>();
  const pending = refsIn(roots);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (!next.startsWith(prefix)) continue;
    const name = next.slice(prefix.length);
    if (reached.has(name) || !schemas[name]) continue;
    reached.add(name);
    pending.push(...refsIn(schemas[name]));
  }
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => reached.has(name)));
}

/**
 * True when the server accepts the request without a body: the body is parsed as `{}` when absent, so a schema
 * that accepts `{}` makes the body optional (`resume`, `reactivate`, an invoice's `void` and `pay`, …).
 */
function bodyOptional(schema: z.ZodType): boolean {
  return schema.safeParse({}).success;
}

/**
 * Builds the OpenAPI 3.1 document from the routes' own zod schemas: what is validated is what is documented.
 *
 * Request bodies are `components.requestBodies` (converted as zod's input: a field with a server default is
 * optional), responses `components.schemas` (converted as output: such a field is always present). The split is
 * also what generators need: openapi-typescript, by default, reads `default` in a schema component as "always
 * present" and would make `interval_count` or `locale` required in a request; it does not in a request body.
 */
export function buildOpenApiDocument(routes: readonly AnyRouteSpec[]): OpenApiDocument {
  const requests = z.registry<{ id: string }>();
  const responses = z.registry<{ id: string }>();
  for (const [schema, id] of RESPONSE_NAMES) responses.add(schema, { id });
  const requestName = (schema: z.ZodType, fallback: string) => {
    const existing = requests.get(schema)?.id;
    if (existing) return existing;
    const name = REQUEST_NAMES.get(schema) ?? fallback;
    requests.add(schema, { id: name });
    return name;
  };
  const responseName = (schema: z.ZodType, fallback: string) => {
    const existing = responses.get(schema)?.id;
    if (existing) return existing;
    responses.add(schema, { id: fallback });
    return fallback;
  };
  const bodyRequired = new Map<string, boolean>();

  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const route of routes) {
    tags.add(route.tag);
    const status = route.status ?? 200;
    const signed = route.auth === 'signature';
    const idempotent = route.method === 'post' && !signed;
    const operation: OpenApiOperation = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      parameters: [
        ...parametersOf(route.params, 'path'),
        ...parametersOf(route.query, 'query'),
        ...(idempotent ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
      ],
      ...(signed ? { security: [] } : {}),
      responses: {
        [status]: {
          description: STATUS_TEXT[status] ?? 'OK',
          headers: {
            'Request-Id': header('RequestId'),
            ...(idempotent ? { 'Idempotent-Replayed': header('IdempotentReplayed') } : {}),
          },
          content: route.produces
            ? Object.fromEntries(
                route.produces.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]),
              )
            : {
                'application/json': {
                  schema: ref(responseName(route.response, `${pascal(route.operationId)}Response`)),
                },
                ...(route.csv
                  ? {
                      'text/csv': {
                        schema: {
                          type: 'string',
                          description:
                            'With `Accept: text/csv`: RFC 4180, a header row, then one row per record of `data`. ' +
                            `Columns: ${route.csv.columns.join(', ')}.`,
                        },
                      },
                    }
                  : {}),
              },
        },
      },
    };
    if (route.body) {
      const name = requestName(route.body, `${pascal(route.operationId)}Request`);
      // A gateway's event is its signed body: there is always one.
      bodyRequired.set(name, signed || !bodyOptional(route.body));
      operation.requestBody = { $ref: `${REQUEST_BODY_PREFIX}${name}` };
    }
    // Any key-authenticated route can meet a portal session that may not use it (403), and looks the key up in
    // PostgreSQL, so an unreachable database is a 503 on every one of them. Every route has a path, a query or a
    // body that can carry text PostgreSQL cannot store (400 `invalid_text`).
    const implied = signed ? [400, 500] : [400, 401, 403, 429, 500, 503];
    for (const errorCode of [...new Set([...route.errors, ...implied])].sort((a, b) => a - b)) {
      operation.responses[errorCode] = {
        description: STATUS_TEXT[errorCode] ?? 'Error',
        headers: {
          'Request-Id': header('RequestId'),
          ...(errorCode === 429
            ? {
                'Retry-After': header('RetryAfter'),
                RateLimit: header('RateLimit'),
                'RateLimit-Policy': header('RateLimitPolicy'),
              }
            : {}),
        },
        content: { 'application/json': { schema: ref('Error') } },
      };
    }
    const path = `/v1${route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
    paths[path] = { ...paths[path], [route.method]: operation };
  }

  const requestSchemas = componentsOf(requests, 'input', requestSchemaUri);
  const requestBodies = Object.fromEntries(
    Object.entries(requestSchemas).map(([name, schema]): [string, OpenApiRequestBody] => [
      name,
      { required: bodyRequired.get(name) ?? true, content: { 'application/json': { schema } } },
    ]),
  );
  const schemas = reachableSchemas(
    [paths, requestBodies],
    componentsOf(responses, 'output', (id) => `#/components/schemas/${id}`),
  );

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Perennial API',
      version: '1',
      description:
        'Subscription billing over durable workflows. JSON, snake_case, ISO 8601 UTC instants, amounts as ' +
        'integers in the minor unit of their ISO 4217 currency. Errors: ' +
        Object.keys(errorStatus).join(', ') +
        '. Lists take `limit` (1–100) and `starting_after` and answer `{object, data, has_more, next_cursor}`. ' +
        'Text anywhere in a request (path, query, body, object keys) must be storable: U+0000 or an unpaired ' +
        'UTF-16 surrogate is a 400 `invalid_text` naming the field in `param`. Every response carries a ' +
        '`Request-Id`; those of key-authenticated operations also the `RateLimit` and `RateLimit-Policy` headers ' +
        'of the key’s rate limit. The Perennial repository carries a typed TypeScript client generated from this ' +
        'document (`clients/typescript`).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      {
        url: '/',
        description: 'The host that serves this document (`http://localhost:3000` for `npm start`)',
      },
    ],
    security: [{ bearerAuth: [] }],
    tags: [...tags].map((name) => {
      const description = TAG_DESCRIPTIONS[name];
      return description ? { name, description } : { name };
    }),
    paths,
    components: {
      schemas,
      requestBodies,
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the POST safe to retry: the first successful response is stored for 24 hours and replayed ' +
            '(with `Idempotent-Replayed: true`); the same key with a different request is a 409 ' +
            '`idempotency_key_reused`, and a retry while the first request still runs a 409 ' +
            '`idempotency_request_in_progress`. A request that fails stores nothing and frees its key. 1 to 255 ' +
            'printable ASCII characters, scoped to the API key.',
          schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
        },
      },
      headers: {
        RequestId: {
          description:
            'Identifies the request in Perennial’s logs. A caller’s own `X-Request-Id` (1 to 128 of ' +
            '`A-Z a-z 0-9 _ . : -`) is kept; otherwise it is `req_` and a UUID.',
          schema: { type: 'string', maxLength: 128 },
        },
        IdempotentReplayed: {
          description:
            '`true` when this is the stored response of an earlier request with the same `Idempotency-Key`; ' +
            'absent otherwise.',
          schema: { type: 'string', enum: ['true'] },
        },
        RetryAfter: {
          description: 'Seconds until the rate limit lets requests of this key through again.',
          schema: { type: 'integer', minimum: 0 },
        },
        RateLimit: {
          description:
            'The rate limit’s current state (IETF draft 8): `"<policy>"; r=<remaining>; t=<seconds>`.',
          schema: { type: 'string' },
        },
        RateLimitPolicy: {
          description: 'The rate limit (IETF draft 8): `"<policy>"; q=<requests>; w=<window seconds>`.',
          schema: { type: 'string' },
        },
      },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'A secret API key: `Authorization: Bearer sk_…`',
        },
      },
    },
  };
}

/** `GET /v1/openapi.json` and `GET /docs`, both public; built once, on first request, when all routes exist. */
export function openApiRouter(registry: RouteRegistry): Router {
  const router = Router();
  let document: OpenApiDocument | undefined;
  let page: string | undefined;
  const current = () => (document ??= buildOpenApiDocument(registry.all()));
  router.get('/v1/openapi.json', (_req, res) => {
    res.json(current());
  });
  router.get('/docs', (_req, res) => {
    page ??= renderDocsPage(current());
    res.type('html').send(page);
  });
  return router;
}
