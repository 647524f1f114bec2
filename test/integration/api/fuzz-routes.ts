import type { Express } from 'express';
import request from 'supertest';
import { requestBodyOf, type OpenApiDocument, type OpenApiParameter } from '../../../src/api/openapi';
import type { JsonSchema } from './fuzz-schema';

/** Objects the examples point at: created through the API before fuzzing, so updates aim at real rows. */
export interface FuzzFixtures {
  productId: string;
  planId: string;
  customerId: string;
  webhookEndpointId: string;
  testClockId: string;
}

export interface RouteExample {
  params: Record<string, string>;
  /** A body the route accepts; fuzzing breaks it in one place at a time. */
  body: Record<string, unknown>;
}

/** Creates the objects the examples point at, through the API, after putting the seller's settings in place. */
export async function seedFixtures(app: Express, auth: Record<string, string>): Promise<FuzzFixtures> {
  const post = async (path: string, body: object) =>
    (await request(app).post(path).set(auth).send(body).expect(201)).body.id as string;
  await request(app)
    .put('/v1/settings')
    .set(auth)
    .send({
      name: 'Seller',
      address: { line1: 'A 1', postal_code: '10115', city: 'Berlin', country: 'DE' },
      country: 'DE',
      default_currency: 'EUR',
    })
    .expect(200);
  const productId = await post('/v1/products', { name: 'Product' });
  const planId = await post('/v1/plans', {
    product_id: productId,
    name: 'Plan',
    interval: 'month',
    amounts: { EUR: 1900 },
  });
  const customerId = await post('/v1/customers', { email: 'a@example.test', name: 'A', country: 'DE' });
  const webhookEndpointId = await post('/v1/webhook_endpoints', {
    url: 'https://example.test/hooks',
    enabled_events: ['*'],
  });
  const testClockId = await post('/v1/test_clocks', { frozen_time: '2026-01-01T00:00:00Z' });
  return { productId, planId, customerId, webhookEndpointId, testClockId };
}

/** Well-formed ids of objects that do not exist: a body is validated before its path names are looked up. */
const absent = (prefix: string) => `${prefix}_${'0'.repeat(24)}`;

const address = {
  line1: 'Hauptstraße 1',
  line2: 'Hinterhaus',
  postal_code: '10115',
  city: 'Berlin',
  region: 'Berlin',
  country: 'DE',
};

/**
 * A valid request per operation. Keyed by operationId so that an operation added to the API without an example
 * here fails the coverage test rather than going unfuzzed.
 */
export function routeExamples(f: FuzzFixtures): Record<string, RouteExample> {
  const subscription = { id: absent('sub') };
  const item = { id: absent('sub'), item_id: absent('si') };
  return {
    receiveGatewayWebhook: {
      params: { gateway: 'sandbox' },
      body: { id: 'evt_1', type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } },
    },
    createSubscription: {
      params: {},
      body: {
        customer_id: f.customerId,
        plan_id: f.planId,
        currency: 'EUR',
        quantity: 2,
        trial_days: 0,
        time_zone: 'Europe/Berlin',
        trial_end_behavior: 'cancel',
        coupon: 'WELCOME10',
      },
    },
    cancelSubscription: {
      params: subscription,
      body: { at: 'immediately', unused: 'refund', reason: 'Too expensive' },
    },
    reactivateSubscription: { params: subscription, body: {} },
    pauseSubscription: {
      params: subscription,
      body: { at: 'immediately', resumes_at: '2027-01-01T00:00:00Z' },
    },
    resumeSubscription: { params: subscription, body: {} },
    changeSubscription: {
      params: subscription,
      body: { plan_id: f.planId, quantity: 3, timing: 'immediately' },
    },
    previewSubscriptionChange: {
      params: subscription,
      body: { plan_id: f.planId, quantity: 3, timing: 'immediately' },
    },
    cancelScheduledChange: { params: subscription, body: {} },
    retrySubscription: { params: subscription, body: {} },
    addSubscriptionItem: {
      params: subscription,
      body: {
        plan_id: f.planId,
        quantity: 2,
        timing: 'immediately',
        proration_behavior: 'create_prorations',
      },
    },
    previewAddSubscriptionItem: {
      params: subscription,
      body: { plan_id: f.planId, quantity: 2, timing: 'immediately', proration_behavior: 'none' },
    },
    updateSubscriptionItem: {
      params: item,
      body: { plan_id: f.planId, quantity: 4, timing: 'period_end', proration_behavior: 'always_invoice' },
    },
    previewUpdateSubscriptionItem: {
      params: item,
      body: { plan_id: f.planId, quantity: 4, timing: 'period_end', proration_behavior: 'always_invoice' },
    },
    previewRemoveSubscriptionItem: {
      params: item,
      body: { timing: 'immediately', proration_behavior: 'always_invoice' },
    },
    applyCoupon: { params: subscription, body: { coupon: 'WELCOME10' } },
    updateSubscriptionPaymentMethod: { params: subscription, body: { payment_method_id: absent('pm') } },
    putSettings: {
      params: {},
      body: {
        name: 'Kaffeerösterei GmbH',
        address,
        country: 'DE',
        vat_id: 'DE123456789',
        invoice_prefix: 'INV-',
        time_zone: 'Europe/Berlin',
        default_currency: 'EUR',
        dunning_policy: {
          retry_offsets_days: [1, 3, 5],
          notices: ['payment_failed', 'reminder', 'final_notice'],
          final_action: 'cancel',
        },
        tax_rates: { CH: { standard: 810, reduced: 260 } },
        notification_email: 'owner@example.test',
        notification_locale: 'de',
        email_sender: { name: 'Kaffeerösterei Versand', address: 'versand@example.test' },
      },
    },
    createProduct: {
      params: {},
      body: { name: 'Beans', description: 'Whole', active: true, tax_category: 'reduced' },
    },
    updateProduct: {
      params: { id: f.productId },
      body: { name: 'Ground beans', description: 'Ground', active: false, tax_category: 'zero' },
    },
    createPlan: {
      params: {},
      body: {
        product_id: f.productId,
        name: 'Monthly',
        interval: 'month',
        interval_count: 1,
        pricing_model: 'per_unit',
        amounts: { EUR: 1900, USD: 2100 },
        setup_fees: { EUR: 500 },
        trial_days: 3,
        tax_behavior: 'exclusive',
        active: true,
      },
    },
    updatePlan: { params: { id: f.planId }, body: { name: 'Renamed', active: false } },
    createCustomer: {
      params: {},
      body: {
        email: 'b@example.test',
        name: 'B',
        locale: 'de',
        country: 'DE',
        vat_id: 'DE123456789',
        address,
        invoice_delivery: 'xrechnung',
        buyer_reference: '04011000-12345-67',
      },
    },
    putAccountingSettings: {
      params: {},
      body: {
        chart: 'skr04',
        datev: {
          consultant_number: 29098,
          client_number: 55003,
          account_length: 4,
          fiscal_year_start_month: 1,
        },
        accounts: {
          skr03: { revenue_by_rate: { '1900': 8400 }, vat_by_rate: { '1900': 1776 } },
          skr04: { revenue_by_rate: { '1900': 4400 }, vat_by_rate: { '1900': 3806 }, clearing: 1460 },
        },
        einvoice: {
          contact_name: 'Buchhaltung',
          contact_phone: '+49 30 123456',
          contact_email: 'b@example.test',
        },
      },
    },
    updateCustomer: {
      params: { id: f.customerId },
      body: { email: 'c@example.test', name: 'C', locale: 'en', country: 'AT', vat_id: null, address },
    },
    attachPaymentMethod: {
      params: { id: f.customerId },
      body: { gateway: 'sandbox', token: 'tok_visa', default: true },
    },
    ingestUsage: {
      params: {},
      body: {
        subscription_id: absent('sub'),
        events: [
          { client_id: 'e1', quantity: 3, value: 'user-1', timestamp: '2026-11-30T10:00:00Z' },
          { client_id: 'e2', timestamp: '2026-11-30T10:05:00.123Z' },
        ],
      },
    },
    createPortalSession: {
      params: {},
      body: { customer_id: f.customerId, return_url: 'https://shop.example.test/account' },
    },
    revokePortalSession: { params: {}, body: { token: `ps_${'0'.repeat(32)}` } },
    createCoupon: {
      params: {},
      body: {
        code: 'WELCOME10',
        name: 'Welcome',
        percent_off: 10,
        duration: 'repeating',
        duration_in_periods: 3,
        redeem_by: '2027-06-30T00:00:00Z',
        max_redemptions: 100,
        applies_to_plan_ids: [f.planId],
      },
    },
    createWebhookEndpoint: {
      params: {},
      body: { url: 'https://example.test/hooks', enabled_events: ['invoice.paid', 'subscription.canceled'] },
    },
    updateWebhookEndpoint: {
      params: { id: f.webhookEndpointId },
      body: { url: 'https://example.test/other', enabled_events: ['*'], status: 'disabled' },
    },
    createCreditNote: {
      params: {},
      body: { invoice_id: absent('in'), amount: 500, reason: 'Goodwill', outcome: 'credit_balance' },
    },
    createRefund: { params: {}, body: { payment_id: absent('pa'), amount: 500, reason: 'Returned' } },
    createInvoiceItem: {
      params: {},
      body: {
        customer_id: f.customerId,
        subscription_id: absent('sub'),
        currency: 'EUR',
        amount: -1500,
        quantity: 3,
        unit_amount: -500,
        description: 'Late deliveries',
        period: { start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' },
      },
    },
    createInvoice: {
      params: {},
      body: {
        customer_id: f.customerId,
        currency: 'EUR',
        lines: [
          {
            amount: 3000,
            quantity: 2,
            unit_amount: 1500,
            description: 'Barista course',
            period: { start: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z' },
          },
        ],
        pending_items: 'include',
        collect: 'now',
      },
    },
    createMeter: {
      params: {},
      body: { name: 'API calls', event_name: 'api.call', aggregation: 'unique_count', unit_label: 'calls' },
    },
    archiveMeter: { params: { id: absent('mtr') }, body: {} },
    payInvoice: { params: { id: absent('in') }, body: {} },
    voidInvoice: { params: { id: absent('in') }, body: {} },
    createTestClock: { params: {}, body: { frozen_time: '2026-01-01T00:00:00Z', name: 'Clock' } },
    advanceTestClock: { params: { id: f.testClockId }, body: { frozen_time: '2026-02-01T00:00:00Z' } },
    redeliverWebhook: { params: { id: '00000000-0000-4000-8000-000000000000' }, body: {} },
    putAnalyticsSettings: {
      params: {},
      body: { gross_margin_basis_points: 8000, reporting_currency: 'EUR', exchange_rates: { USD: '0.92' } },
    },
  };
}

/**
 * More valid bodies for operations whose fields exclude one another (a plan has `amounts` or `tiers`), so that
 * between them and the example every field of the body is reached.
 */
export function alternativeBodies(f: FuzzFixtures): Record<string, Record<string, unknown>[]> {
  return {
    createSubscription: [
      { customer_id: f.customerId, items: [{ plan_id: f.planId, quantity: 2 }], currency: 'EUR' },
    ],
    changeSubscription: [
      {
        items: [
          { id: `si_${'0'.repeat(24)}`, plan_id: f.planId, quantity: 2 },
          { id: `si_${'1'.repeat(24)}`, deleted: true },
        ],
        timing: 'period_end',
      },
    ],
    previewSubscriptionChange: [
      { items: [{ plan_id: f.planId, quantity: 2 }], proration_behavior: 'create_prorations' },
    ],
    createPlan: [
      {
        product_id: f.productId,
        name: 'Seats',
        interval: 'year',
        pricing_model: 'graduated',
        tiers: {
          EUR: [
            { up_to: 5, unit_amount: 1000 },
            { up_to: null, unit_amount: 800, flat_amount: 100 },
          ],
        },
      },
    ],
  };
}

export interface FuzzRoute {
  operationId: string;
  method: 'post' | 'put';
  /** Concrete path, parameters filled in from the example. */
  path: string;
  /** Authenticated by a gateway signature rather than an API key. */
  signed: boolean;
  schema: JsonSchema;
  example: RouteExample | undefined;
}

/** Every operation of the document that takes a body, with its resolved request schema. */
export function writeRoutes(document: OpenApiDocument, examples: Record<string, RouteExample>): FuzzRoute[] {
  const routes: FuzzRoute[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (method !== 'post' && method !== 'put') continue;
      const example = examples[operation.operationId];
      const schema = requestBodyOf(document, operation)?.content['application/json'].schema ?? {};
      // Without an example the template stays as it is; the coverage test reports the operation.
      const path = template.replace(/\{([^}]+)\}/g, (whole, param: string) => {
        const value = example?.params[param];
        return value === undefined ? whole : encodeURIComponent(value);
      });
      routes.push({
        operationId: operation.operationId,
        method,
        path,
        signed: Array.isArray(operation.security) && operation.security.length === 0,
        schema,
        example,
      });
    }
  }
  return routes;
}

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

/** One operation of the document, whatever its method: its path template and its path and query parameters. */
export interface FuzzOperation {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI style: `/v1/customers/{id}`. */
  template: string;
  pathParams: string[];
  queryParams: string[];
  signed: boolean;
  /** The route's example (bodies of POST and PUT), when it has one. */
  example: RouteExample | undefined;
}

/** Every operation of the document, reads and deletes included. */
export function allOperations(
  document: OpenApiDocument,
  examples: Record<string, RouteExample>,
): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const parameters = operation.parameters.filter(
        (parameter): parameter is OpenApiParameter => !('$ref' in parameter),
      );
      const named = (where: OpenApiParameter['in']) =>
        parameters.filter((parameter) => parameter.in === where).map((parameter) => parameter.name);
      operations.push({
        operationId: operation.operationId,
        method: method as HttpMethod,
        template,
        pathParams: named('path'),
        queryParams: named('query'),
        signed: Array.isArray(operation.security) && operation.security.length === 0,
        example: examples[operation.operationId],
      });
    }
  }
  return operations;
}

/** The template with its parameters filled in: `raw` ones as given (already percent-encoded), the others encoded. */
export function concretePath(
  operation: FuzzOperation,
  values: Record<string, string>,
  raw: Record<string, string> = {},
): string {
  return operation.template.replace(/\{([^}]+)\}/g, (_whole, param: string) =>
    param in raw ? (raw[param] as string) : encodeURIComponent(values[param] ?? 'x'),
  );
}
