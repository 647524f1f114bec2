import { z } from 'zod';
import { prefixedId, timestampSchema } from './common';

export const createPortalSessionSchema = z.strictObject({ customer_id: prefixedId('cus', 'a customer') });

export const portalSessionResponseSchema = z.strictObject({
  object: z.literal('portal_session'),
  customer_id: z.string(),
  token: z.string().describe('Bearer token for the customer’s own resources; shown once'),
  expires_at: timestampSchema,
});
