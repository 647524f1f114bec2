import type { FilterQuery } from '@mikro-orm/core';
import { Router } from 'express';
import { Meter } from '../../db/entities';
import type { Orm } from '../../db/orm.config';
import { archiveMeter, createMeter } from '../../db/services/meters';
import { AppError } from '../errors';
import { listBody, paginate } from '../pagination';
import { defineRoute, type RouteRegistry } from '../route';
import { idParamsSchema } from '../schemas/common';
import {
  archiveMeterBodySchema,
  createMeterSchema,
  listMetersQuerySchema,
  meterListSchema,
  meterResponseSchema,
  type MeterResponse,
} from '../schemas/meters';

const meterParams = idParamsSchema('mtr', 'a meter');

export function serializeMeter(meter: Meter): MeterResponse {
  return {
    id: meter.id,
    object: 'meter',
    name: meter.name,
    event_name: meter.eventName,
    aggregation: meter.aggregation,
    unit_label: meter.unitLabel ?? null,
    archived: meter.archivedAt != null,
    archived_at: meter.archivedAt?.toISOString() ?? null,
    created_at: meter.createdAt.toISOString(),
  };
}

const noSuchMeter = (id: string) =>
  new AppError('not_found', 'resource_missing', `No such meter: ${id}`, 'id');

/** Meters: what metered plans count (`meter_id` on plan create) and how usage events aggregate per period. */
export function metersRouter(orm: Orm, registry: RouteRegistry): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/meters',
      operationId: 'createMeter',
      summary: 'Create a meter',
      description:
        'A meter names the usage a metered plan bills (`meter_id` on `POST /v1/plans`) and how one period of ' +
        'usage events becomes one quantity. `event_name` is unique among all meters (409 ' +
        '`meter_event_name_taken`), archived ones included.',
      tag: 'Meters',
      body: createMeterSchema,
      response: meterResponseSchema,
      status: 201,
      errors: [400, 409],
    },
    async ({ body }) => {
      const meter = await createMeter(orm.em.fork(), {
        name: body.name,
        eventName: body.event_name,
        aggregation: body.aggregation,
        unitLabel: body.unit_label ?? null,
      });
      if (!meter) {
        throw new AppError(
          'conflict',
          'meter_event_name_taken',
          `A meter for event ${body.event_name} exists already`,
          'event_name',
        );
      }
      return serializeMeter(meter);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/meters',
      operationId: 'listMeters',
      summary: 'List meters, oldest first',
      tag: 'Meters',
      query: listMetersQuerySchema,
      response: meterListSchema,
      errors: [400],
    },
    async ({ query }) => {
      const where: FilterQuery<Meter> =
        query.archived === undefined ? {} : { archivedAt: query.archived ? { $ne: null } : null };
      return listBody(await paginate(orm.em, Meter, where, query), serializeMeter);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/meters/:id',
      operationId: 'getMeter',
      summary: 'Retrieve a meter',
      tag: 'Meters',
      params: meterParams,
      response: meterResponseSchema,
      errors: [404],
    },
    async ({ params }) => {
      const meter = await orm.em.findOne(Meter, params.id);
      if (!meter) throw noSuchMeter(params.id);
      return serializeMeter(meter);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'post',
      path: '/meters/:id/archive',
      operationId: 'archiveMeter',
      summary: 'Archive a meter',
      description:
        'An archived meter takes no new plans (422 `meter_archived` on `POST /v1/plans`) and no new usage events ' +
        '(422 `meter_archived` on `POST /v1/usage_events`); the plans that use it keep billing the usage already ' +
        'recorded. Archiving again changes nothing and answers the meter.',
      tag: 'Meters',
      params: meterParams,
      body: archiveMeterBodySchema,
      response: meterResponseSchema,
      errors: [400, 404],
    },
    async ({ params }) => {
      const meter = await archiveMeter(orm.em.fork(), params.id, new Date().toISOString());
      if (!meter) throw noSuchMeter(params.id);
      return serializeMeter(meter);
    },
  );

  return router;
}
