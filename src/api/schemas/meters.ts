import { z } from 'zod';
import { METER_AGGREGATIONS } from '../../db/entities/meter';
import {
  booleanQuerySchema,
  emptyBodySchema,
  listQuerySchema,
  listResponseSchema,
  timestampSchema,
} from './common';

export const createMeterSchema = z.strictObject({
  name: z.string().min(1).max(200).describe('Shown on invoice lines, e.g. "API calls"'),
  event_name: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be 1 to 100 letters, digits, `_`, `.`, `:` or `-`')
    .describe('The event this meter counts; unique among meters, archived ones included'),
  aggregation: z
    .enum(METER_AGGREGATIONS)
    .describe(
      "How a period's events become one quantity: `sum` of quantities, `max` quantity, or `unique_count` of " +
        'distinct values (an event without a value counts by its client id)',
    ),
  unit_label: z.string().min(1).max(50).optional().describe('What one unit is called, e.g. "GB"'),
});

export type CreateMeterInput = z.infer<typeof createMeterSchema>;

export const listMetersQuerySchema = listQuerySchema.extend({
  archived: booleanQuerySchema.optional().describe('Only archived (true) or only active (false) meters'),
});

export const meterResponseSchema = z
  .strictObject({
    id: z.string(),
    object: z.literal('meter'),
    name: z.string(),
    event_name: z.string(),
    aggregation: z.enum(METER_AGGREGATIONS),
    unit_label: z.string().nullable(),
    archived: z.boolean(),
    archived_at: timestampSchema.nullable(),
    created_at: timestampSchema,
  })
  .describe('What a metered plan counts and how');

export type MeterResponse = z.infer<typeof meterResponseSchema>;
export const meterListSchema = listResponseSchema(meterResponseSchema);

/** Archiving takes no parameters; an empty or absent body is accepted, anything in it is a 400. */
export const archiveMeterBodySchema = emptyBodySchema;
