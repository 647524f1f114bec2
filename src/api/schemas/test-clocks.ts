import { z } from 'zod';
import { listQuerySchema, listResponseSchema, timestampSchema } from './common';

export const createTestClockSchema = z.strictObject({
  frozen_time: timestampSchema.describe('Where the clock starts: the simulated "now" of its customers'),
  name: z.string().min(1).max(300).optional(),
});

export const advanceTestClockSchema = z.strictObject({
  frozen_time: timestampSchema.describe('The new simulated "now"; later than the current one'),
});

export const listTestClocksQuerySchema = listQuerySchema;

export const testClockStatusSchema = z
  .enum(['ready', 'advancing'])
  .describe('`advancing` until every subscription on the clock has caught up with `frozen_time`');

export const testClockResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('test_clock'),
  name: z.string().nullable(),
  frozen_time: timestampSchema,
  status: testClockStatusSchema,
  created_at: timestampSchema,
});

export type TestClockResponse = z.infer<typeof testClockResponseSchema>;

export const testClockListSchema = listResponseSchema(testClockResponseSchema);

export const deletedTestClockSchema = z.strictObject({
  id: z.string(),
  object: z.literal('test_clock'),
  deleted: z.literal(true),
});
