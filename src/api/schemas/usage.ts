import { z } from 'zod';
import { prefixedId, timestampSchema } from './common';

const usageEventSchema = z.strictObject({
  client_id: z
    .string()
    .min(1)
    .max(200)
    .describe('Your id for the event; a repeated id is acknowledged, not counted again'),
  quantity: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
  value: z.string().max(500).optional().describe('What a unique-count meter counts distinct values of'),
  timestamp: timestampSchema,
});

export const usageBatchSchema = z.strictObject({
  subscription_id: prefixedId('sub', 'a subscription'),
  event_name: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("The meter's event name; required when the subscription has several metered items"),
  events: z.array(usageEventSchema).min(1).max(1000),
});

export const usageBatchResponseSchema = z.strictObject({
  object: z.literal('usage_event_batch'),
  subscription_id: z.string(),
  meter_id: z.string(),
  received: z.number().int(),
  inserted: z.number().int(),
  duplicates: z.number().int(),
});
