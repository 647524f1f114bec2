import { Router } from 'express';
import { z } from 'zod';
import { errorStatus } from './errors';
import type { AnyRouteSpec, RouteRegistry } from './route';
import { errorResponseSchema } from './schemas/common';
import {
  attachPaymentMethodSchema,
  createCustomerSchema,
  customerListSchema,
  customerResponseSchema,
  paymentMethodListSchema,
  paymentMethodResponseSchema,
  updateCustomerSchema,
} from './schemas/customers';
import { createPlanSchema, planListSchema, planResponseSchema, updatePlanSchema } from './schemas/plans';
import {
  createProductSchema,
  productListSchema,
  productResponseSchema,
  updateProductSchema,
} from './schemas/products';
import { putSettingsSchema, settingsResponseSchema } from './schemas/settings';
import { renderDocsPage } from './docs';
import type { JsonSchema, OpenApiDocument, OpenApiOperation, OpenApiParameter } from './openapi-document';
import {
  createdWebhookEndpointResponseSchema,
  createWebhookEndpointSchema,
  updateWebhookEndpointSchema,
  webhookEndpointListSchema,
  webhookEndpointResponseSchema,
} from './schemas/webhooks';

export type {
  JsonSchema,
  OpenApiDocument,
  OpenApiOperation,
  OpenApiParameter,
  OpenApiResponse,
} from './openapi-document';

/** Component names of the schemas the routes share; a schema not listed is named after its operation. */
const REQUEST_NAMES = new Map<z.ZodType, string>([
  [putSettingsSchema, 'PutSettingsRequest'],
  [createProductSchema, 'CreateProductRequest'],
  [updateProductSchema, 'UpdateProductRequest'],
  [createPlanSchema, 'CreatePlanRequest'],
  [updatePlanSchema, 'UpdatePlanRequest'],
  [createCustomerSchema, 'CreateCustomerRequest'],
  [updateCustomerSchema, 'UpdateCustomerRequest'],
  [attachPaymentMethodSchema, 'AttachPaymentMethodRequest'],
  [createWebhookEndpointSchema, 'CreateWebhookEndpointRequest'],
  [updateWebhookEndpointSchema, 'UpdateWebhookEndpointRequest'],
]);

const RESPONSE_NAMES = new Map<z.ZodType, string>([
  [errorResponseSchema, 'Error'],
  [settingsResponseSchema, 'Settings'],
  [productResponseSchema, 'Product'],
  [productListSchema, 'ProductList'],
  [planResponseSchema, 'Plan'],
  [planListSchema, 'PlanList'],
  [customerResponseSchema, 'Customer'],
  [customerListSchema, 'CustomerList'],
  [paymentMethodResponseSchema, 'PaymentMethod'],
  [paymentMethodListSchema, 'PaymentMethodList'],
  [webhookEndpointResponseSchema, 'WebhookEndpoint'],
  [createdWebhookEndpointResponseSchema, 'CreatedWebhookEndpoint'],
  [webhookEndpointListSchema, 'WebhookEndpointList'],
]);

/** What each group of operations is for, shown above the group in the document and on `/docs`. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  Settings:
    'The seller: legal name, address, VAT id, invoice number prefix, time zone, dunning policy; and its books ' +
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
const pascal = (id: string) => id.charAt(0).toUpperCase() + id.slice(1);

function componentsOf(
  registry: z.core.$ZodRegistry<{ id: string }>,
  io: 'input' | 'output',
): Record<string, JsonSchema> {
  const converted = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
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

/** Builds the OpenAPI 3.1 document from the routes' own zod schemas: what is validated is what is documented. */
export function buildOpenApiDocument(routes: readonly AnyRouteSpec[]): OpenApiDocument {
  const requests = z.registry<{ id: string }>();
  const responses = z.registry<{ id: string }>();
  const named = (
    map: Map<z.ZodType, string>,
    reg: z.core.$ZodRegistry<{ id: string }>,
    schema: z.ZodType,
    fallback: string,
  ) => {
    const existing = reg.get(schema)?.id;
    if (existing) return existing;
    const name = map.get(schema) ?? fallback;
    reg.add(schema, { id: name });
    return name;
  };
  named(RESPONSE_NAMES, responses, errorResponseSchema, 'Error');

  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const route of routes) {
    tags.add(route.tag);
    const responseName = route.produces
      ? undefined
      : named(RESPONSE_NAMES, responses, route.response, `${pascal(route.operationId)}Response`);
    const status = route.status ?? 200;
    const signed = route.auth === 'signature';
    const operation: OpenApiOperation = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      parameters: [
        ...parametersOf(route.params, 'path'),
        ...parametersOf(route.query, 'query'),
        ...(route.method === 'post' && !signed ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
      ],
      ...(signed ? { security: [] } : {}),
      responses: {
        [status]: {
          description: STATUS_TEXT[status] ?? 'OK',
          content: route.produces
            ? Object.fromEntries(
                route.produces.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]),
              )
            : {
                'application/json': { schema: ref(responseName ?? '') },
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
      const bodyName = named(REQUEST_NAMES, requests, route.body, `${pascal(route.operationId)}Request`);
      operation.requestBody = { required: true, content: { 'application/json': { schema: ref(bodyName) } } };
    }
    // Any key-authenticated route can meet a portal session that may not use it (403), and looks the key up in
    // PostgreSQL, so an unreachable database is a 503 on every one of them. Every route has a path, a query or a
    // body that can carry text PostgreSQL cannot store (400 `invalid_text`).
    const implied = signed ? [400, 500] : [400, 401, 403, 429, 500, 503];
    for (const errorCode of [...new Set([...route.errors, ...implied])].sort((a, b) => a - b)) {
      operation.responses[errorCode] = {
        description: STATUS_TEXT[errorCode] ?? 'Error',
        content: { 'application/json': { schema: ref('Error') } },
      };
    }
    const path = `/v1${route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`;
    paths[path] = { ...paths[path], [route.method]: operation };
  }

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
        'UTF-16 surrogate is a 400 `invalid_text` naming the field in `param`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    tags: [...tags].map((name) => {
      const description = TAG_DESCRIPTIONS[name];
      return description ? { name, description } : { name };
    }),
    paths,
    components: {
      schemas: { ...componentsOf(requests, 'input'), ...componentsOf(responses, 'output') },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the POST safe to retry: the first successful response is stored for 24 hours and replayed; ' +
            'the same key with a different request is a 409.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
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
