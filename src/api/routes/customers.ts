import type { FilterQuery } from '@mikro-orm/core';
import { Router } from 'express';
import { Customer, PaymentMethod } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import {
  attachPaymentMethod,
  createCustomer,
  findCustomer,
  updateCustomer,
} from '../../db/services/customers';
import { findLiveTestClock } from '../../db/services/test-clocks';
import type { PaymentGateway } from '../../gateways';
import type { VatIdVerifier } from '../../tax';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema, listQuerySchema } from '../schemas/common';
import {
  attachPaymentMethodSchema,
  createCustomerSchema,
  customerListSchema,
  customerResponseSchema,
  listCustomersQuerySchema,
  paymentMethodListSchema,
  paymentMethodResponseSchema,
  updateCustomerSchema,
} from '../schemas/customers';
import { serializeCustomer, serializePaymentMethod, toPostalAddress } from '../serializers';
import { assertVatIdForCountry, assertVatIdRegistered } from '../vat-ids';

const customerParams = idParamsSchema('cus', 'a customer');

/** The search text as a LIKE pattern that matches it literally (`%`, `_` and `\\` escaped). */
const likePattern = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const noSuchCustomer = (id: string) =>
  new AppError('not_found', 'resource_missing', `No such customer: ${id}`, 'id');

/** A gateway's refusal of the token is the caller's mistake; its unavailability is temporary; the rest is ours. */
export function customersRouter(
  orm: Orm,
  registry: RouteRegistry,
  gateway: PaymentGateway | undefined,
  vatIdVerifier: VatIdVerifier,
): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/customers',
      operationId: 'createCustomer',
      summary: 'Create a customer',
      tag: 'Customers',
      body: createCustomerSchema,
      response: customerResponseSchema,
      status: 201,
      errors: [400, 409, 503],
    },
    async ({ body }) => {
      await assertVatIdRegistered(vatIdVerifier, body.vat_id);
      if (body.test_clock_id !== undefined && !(await findLiveTestClock(orm.em, body.test_clock_id))) {
        throw new AppError(
          'invalid_request_error',
          'resource_missing',
          `test_clock_id: no such test clock: ${body.test_clock_id}`,
          'test_clock_id',
        );
      }
      return serializeCustomer(
        await createCustomer(orm.em, {
          email: body.email,
          name: body.name,
          locale: body.locale,
          country: body.country,
          vatId: body.vat_id ?? null,
          address: body.address ? toPostalAddress(body.address) : null,
          testClockId: body.test_clock_id ?? null,
          invoiceDelivery: body.invoice_delivery,
          buyerReference: body.buyer_reference ?? null,
        }),
      );
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/customers',
      operationId: 'listCustomers',
      summary: 'List customers, oldest first',
      tag: 'Customers',
      query: listCustomersQuerySchema,
      response: customerListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<Customer> = {
        ...(query.email === undefined ? {} : { email: query.email }),
        ...(query.test_clock_id === undefined ? {} : { testClockId: query.test_clock_id }),
        ...(query.search === undefined
          ? {}
          : {
              $or: [
                { id: query.search },
                { name: { $ilike: `%${likePattern(query.search)}%` } },
                { email: { $ilike: `%${likePattern(query.search)}%` } },
              ],
            }),
      };
      return listBody(await paginate(orm.em, Customer, where, query), serializeCustomer);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/customers/:id',
      operationId: 'getCustomer',
      summary: 'Retrieve a customer',
      tag: 'Customers',
      params: customerParams,
      response: customerResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const customer = await findCustomer(orm.em, params.id);
      if (!customer) throw noSuchCustomer(params.id);
      return serializeCustomer(customer);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/customers/:id',
      operationId: 'updateCustomer',
      summary: 'Update a customer',
      description:
        'Only the fields given change; `null` clears `vat_id` or `address`. The VAT id (given or stored) must ' +
        'suit the country (given or stored).',
      tag: 'Customers',
      params: customerParams,
      body: updateCustomerSchema,
      response: customerResponseSchema,
      errors: [400, 404, 409, 503],
    },
    async ({ params, body }) => {
      if (body.vat_id !== undefined || body.country !== undefined) {
        const current = await findCustomer(orm.em, params.id);
        if (!current) throw noSuchCustomer(params.id);
        assertVatIdForCountry(
          body.vat_id === undefined ? current.vatId : body.vat_id,
          body.country ?? current.country,
        );
        if (body.vat_id !== undefined && body.vat_id !== current.vatId) {
          await assertVatIdRegistered(vatIdVerifier, body.vat_id);
        }
      }
      const customer = await updateCustomer(orm.em, params.id, {
        ...(body.email === undefined ? {} : { email: body.email }),
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.locale === undefined ? {} : { locale: body.locale }),
        ...(body.country === undefined ? {} : { country: body.country }),
        ...(body.vat_id === undefined ? {} : { vatId: body.vat_id }),
        ...(body.address === undefined
          ? {}
          : { address: body.address === null ? null : toPostalAddress(body.address) }),
        ...(body.invoice_delivery === undefined ? {} : { invoiceDelivery: body.invoice_delivery }),
        ...(body.buyer_reference === undefined ? {} : { buyerReference: body.buyer_reference }),
      });
      if (!customer) throw noSuchCustomer(params.id);
      return serializeCustomer(customer);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/customers/:id/payment_methods',
      operationId: 'attachPaymentMethod',
      summary: 'Attach a payment method from a gateway token',
      description:
        'Exchanges a single-use token for a stored payment method. Only the gateway reference and display ' +
        'details (brand, last 4 digits, expiry) are kept; card numbers never reach Perennial. The first ' +
        'payment method of a customer becomes the default.',
      tag: 'Customers',
      params: customerParams,
      body: attachPaymentMethodSchema,
      response: paymentMethodResponseSchema,
      status: 201,
      errors: [400, 404, 409, 503],
    },
    async ({ params, body }) => {
      const customer = await findCustomer(orm.em, params.id);
      if (!customer) throw noSuchCustomer(params.id);
      if (!gateway) {
        throw new AppError(
          'service_unavailable',
          'gateway_not_configured',
          'No payment gateway is configured',
        );
      }
      if (body.gateway !== gateway.name) {
        throw new AppError(
          'invalid_request_error',
          'gateway_not_enabled',
          `gateway: this installation charges through "${gateway.name}"`,
          'gateway',
        );
      }
      const method = await attachPaymentMethod(orm.em, gateway, {
        customer,
        token: body.token,
        makeDefault: body.default ?? false,
      });
      return serializePaymentMethod(method);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/customers/:id/payment_methods',
      operationId: 'listPaymentMethods',
      summary: "List a customer's payment methods, oldest first",
      tag: 'Customers',
      params: customerParams,
      query: listQuerySchema,
      response: paymentMethodListSchema,
      errors: [400, 404],
    },
    async ({ params, query }) => {
      const customer = await findCustomer(orm.em, params.id);
      if (!customer) throw noSuchCustomer(params.id);
      const where: FilterQuery<PaymentMethod> = { customer: customer.id, detachedAt: null };
      return listBody(await paginate(orm.em, PaymentMethod, where, query), serializePaymentMethod);
    },
  );

  return router;
}
