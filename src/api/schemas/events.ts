import { z } from 'zod';
import { listQuerySchema, listResponseSchema, orderQuerySchema, prefixedId, timestampSchema } from './common';

export const listEventsQuerySchema = listQuerySchema.extend({
  subscription_id: prefixedId('sub', 'a subscription').optional(),
  customer_id: prefixedId('cus', 'a customer')
    .optional()
    .describe("The customer's history: events naming the customer and the events of their subscriptions"),
  type: z.string().min(1).max(100).optional().describe('Exact event type, e.g. invoice.paid'),
  order: orderQuerySchema,
});

export const eventResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('event'),
  // An open set on purpose: the log is append-only and keeps the types earlier versions recorded, and new
  // transitions add types; a closed enum would make a typed client reject stored events.
  type: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)*$/)
    .describe(
      'Dotted, lower case: `subscription.*`, `invoice.*`, `charge.*`, `dispute.*`, `refund.created`, ' +
        '`credit_note.created`, `gateway_event.received`, `webhook_endpoint.disabled` (docs/webhooks.md)',
    ),
  subscription_id: z.string().nullable(),
  customer_id: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  occurred_at: timestampSchema,
});

export const eventListSchema = listResponseSchema(eventResponseSchema);
