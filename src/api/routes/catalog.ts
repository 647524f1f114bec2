import type { FilterQuery } from '@mikro-orm/core';
import { Router } from 'express';
import { Plan, Product } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import {
  MAX_PERIOD_AMOUNT,
  MAX_QUANTITY,
  MAX_SETUP_FEE,
  MAX_USAGE_QUANTITY,
  priceBoundViolation,
} from '../../domain/limits';
import {
  createPlan,
  createProduct,
  findMeter,
  findPlan,
  findProduct,
  planPriceSchemes,
  quantityBoundOf,
  updatePlan,
  updateProduct,
  withPrices,
  type PlanPricing,
} from '../../db/services/catalog';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  createPlanSchema,
  listPlansQuerySchema,
  planListSchema,
  planResponseSchema,
  updatePlanSchema,
  type CreatePlanInput,
} from '../schemas/plans';
import {
  createProductSchema,
  listProductsQuerySchema,
  productListSchema,
  productResponseSchema,
  updateProductSchema,
} from '../schemas/products';
import { serializePlan, serializeProduct } from '../serializers';

const productParams = idParamsSchema('prod', 'a product');
const planParams = idParamsSchema('plan', 'a plan');

const noSuch = (what: string, id: string) =>
  new AppError('not_found', 'resource_missing', `No such ${what}: ${id}`, 'id');

/** The body's reference to another object that does not exist: the request is wrong, not the URL. */
const missingReference = (param: string, id: string) =>
  new AppError('invalid_request_error', 'resource_missing', `${param}: no such object ${id}`, param);

function pricingOf(body: CreatePlanInput): PlanPricing {
  switch (body.pricing_model) {
    case 'flat':
    case 'per_unit':
      return { model: body.pricing_model, amounts: body.amounts ?? {} };
    case 'package':
      return { model: 'package', amounts: body.amounts ?? {}, unitsPerPackage: body.units_per_package ?? 1 };
    case 'graduated':
    case 'volume':
      return {
        model: body.pricing_model,
        tiers: Object.fromEntries(
          Object.entries(body.tiers ?? {}).map(([currency, tiers]) => [
            currency,
            tiers.map((tier) => ({
              upTo: tier.up_to,
              unitAmount: tier.unit_amount,
              ...(tier.flat_amount === undefined ? {} : { flatAmount: tier.flat_amount }),
            })),
          ]),
        ),
      };
  }
}

/**
 * A price that could take an invoice out of the safe-integer range is refused before anything is looked up or
 * written, naming its field (`amounts.EUR`, `tiers.EUR`, `setup_fees.EUR`).
 */
function assertPricesWithinBounds(body: CreatePlanInput, pricing: PlanPricing): void {
  const priceField = 'amounts' in pricing ? 'amounts' : 'tiers';
  const setupFees = body.setup_fees ?? {};
  const maxQuantity = quantityBoundOf(body.meter_id !== undefined);
  for (const [currency, scheme] of planPriceSchemes(pricing)) {
    const violation = priceBoundViolation(scheme, setupFees[currency] ?? 0, maxQuantity);
    if (!violation) continue;
    const param = `${violation.part === 'price' ? priceField : 'setup_fees'}.${currency}`;
    throw new AppError(
      'invalid_request_error',
      'amount_out_of_range',
      `${param}: ${violation.message}`,
      param,
    );
  }
}

export function catalogRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/products',
      operationId: 'createProduct',
      summary: 'Create a product',
      tag: 'Products',
      body: createProductSchema,
      response: productResponseSchema,
      status: 201,
      errors: [400, 409],
    },
    async ({ body }) =>
      serializeProduct(
        await createProduct(orm.em, {
          name: body.name,
          description: body.description ?? null,
          active: body.active ?? true,
          addOn: body.add_on ?? false,
          taxCategory: body.tax_category ?? 'standard',
        }),
      ),
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/products',
      operationId: 'listProducts',
      summary: 'List products, oldest first',
      tag: 'Products',
      query: listProductsQuerySchema,
      response: productListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<Product> = query.active === undefined ? {} : { active: query.active };
      return listBody(await paginate(orm.em, Product, where, query), serializeProduct);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/products/:id',
      operationId: 'getProduct',
      summary: 'Retrieve a product',
      tag: 'Products',
      params: productParams,
      response: productResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const product = await findProduct(orm.em, params.id);
      if (!product) throw noSuch('product', params.id);
      return serializeProduct(product);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/products/:id',
      operationId: 'updateProduct',
      summary: "Update a product's name, description, active flag or tax category",
      description:
        'Only the fields given change. A new tax category applies to the invoices built from then on; ' +
        'finalized invoices are never changed.',
      tag: 'Products',
      params: productParams,
      body: updateProductSchema,
      response: productResponseSchema,
      errors: [400, 404, 409],
    },
    async ({ params, body }) => {
      const product = await updateProduct(orm.em, params.id, {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.description === undefined ? {} : { description: body.description }),
        ...(body.active === undefined ? {} : { active: body.active }),
        ...(body.tax_category === undefined ? {} : { taxCategory: body.tax_category }),
      });
      if (!product) throw noSuch('product', params.id);
      return serializeProduct(product);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/plans',
      operationId: 'createPlan',
      summary: 'Create a plan with its prices',
      description:
        'A plan fixes the billing interval and pricing model and carries one price per currency. ' +
        'Prices are immutable; to change them, create a new plan and deactivate the old one. A price that could ' +
        `bill more than ${MAX_PERIOD_AMOUNT} minor units for one period at quantities up to ${MAX_QUANTITY} ` +
        `(${MAX_USAGE_QUANTITY} of usage for a metered plan), or a setup fee above ${MAX_SETUP_FEE}, is a 400 ` +
        '`amount_out_of_range` naming it, so every invoice stays within the safe-integer range.',
      tag: 'Plans',
      body: createPlanSchema,
      response: planResponseSchema,
      status: 201,
      errors: [400, 409, 422],
    },
    async ({ body }) => {
      const pricing = pricingOf(body);
      assertPricesWithinBounds(body, pricing);
      const product = await findProduct(orm.em, body.product_id);
      if (!product) throw missingReference('product_id', body.product_id);
      const meter = body.meter_id === undefined ? null : await findMeter(orm.em, body.meter_id);
      if (body.meter_id !== undefined && !meter) throw missingReference('meter_id', body.meter_id);
      if (meter?.archivedAt) {
        throw new AppError(
          'unprocessable',
          'meter_archived',
          `Meter ${meter.id} is archived and takes no new plans`,
          'meter_id',
        );
      }
      const created = await createPlan(orm.em, {
        product,
        meter,
        name: body.name,
        intervalUnit: body.interval,
        intervalCount: body.interval_count,
        pricing,
        setupFees: body.setup_fees ?? {},
        trialDays: body.trial_days,
        taxBehavior: body.tax_behavior,
        active: body.active,
      });
      return serializePlan(created);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/plans',
      operationId: 'listPlans',
      summary: 'List plans, oldest first',
      tag: 'Plans',
      query: listPlansQuerySchema,
      response: planListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<Plan> = {
        ...(query.active === undefined ? {} : { active: query.active }),
        ...(query.product_id === undefined ? {} : { product: query.product_id }),
      };
      const page = await paginate(orm.em, Plan, where, query);
      const plans = await withPrices(orm.em, page.items);
      return listBody({ ...page, items: plans }, serializePlan);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/plans/:id',
      operationId: 'getPlan',
      summary: 'Retrieve a plan',
      tag: 'Plans',
      params: planParams,
      response: planResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const plan = await findPlan(orm.em, params.id);
      if (!plan) throw noSuch('plan', params.id);
      return serializePlan(plan);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/plans/:id',
      operationId: 'updatePlan',
      summary: "Update a plan's name or active flag",
      tag: 'Plans',
      params: planParams,
      body: updatePlanSchema,
      response: planResponseSchema,
      errors: [400, 404, 409],
    },
    async ({ params, body }) => {
      const plan = await updatePlan(orm.em, params.id, {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.active === undefined ? {} : { active: body.active }),
      });
      if (!plan) throw noSuch('plan', params.id);
      return serializePlan(plan);
    },
  );

  return router;
}
