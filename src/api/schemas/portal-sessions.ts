import { z } from 'zod';
import { prefixedId, timestampSchema } from './common';

const webUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .describe('An http(s) URL');

export const createPortalSessionSchema = z.strictObject({
  customer_id: prefixedId('cus', 'a customer'),
  return_url: webUrl
    .optional()
    .describe('Where the portal’s “back” link and sign-out lead, e.g. your account page'),
});

export const portalSessionResponseSchema = z.strictObject({
  object: z.literal('portal_session'),
  customer_id: z.string(),
  token: z.string().describe('Bearer token for the customer’s own resources; shown once'),
  expires_at: timestampSchema,
  url: z
    .string()
    .describe(
      'Send the customer’s browser here: it opens the customer portal (`/portal`) signed in as this customer. ' +
        'Single use, valid for 5 minutes; it is exchanged for an HTTP-only session cookie.',
    ),
  url_expires_at: timestampSchema,
  return_url: z.string().nullable(),
});

export const revokePortalSessionSchema = z.strictObject({
  token: z.string().min(1).max(200).describe('The `ps_…` token the session was created with'),
});

export const revokedPortalSessionSchema = z.strictObject({
  object: z.literal('portal_session'),
  customer_id: z.string(),
  revoked: z.literal(true),
});
