import { z } from 'zod';
import { prefixedId, timestampSchema } from './common';

export const createPortalSessionSchema = z.strictObject({ customer_id: prefixedId('cus', 'a customer') });

export const portalSessionResponseSchema = z.strictObject({
  object: z.literal('portal_session'),
  customer_id: z.string(),
  token: z.string().describe('Bearer token for the customer’s own resources; shown once'),
  expires_at: timestampSchema,
});

export const revokePortalSessionSchema = z.strictObject({
  token: z.string().min(1).max(200).describe('The `ps_…` token the session was created with'),
});

export const revokedPortalSessionSchema = z.strictObject({
  object: z.literal('portal_session'),
  customer_id: z.string(),
  revoked: z.literal(true),
});
