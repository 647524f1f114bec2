import { z } from 'zod';
import { booleanQuerySchema, listQuerySchema, listResponseSchema, timestampSchema } from './common';

export const createProductSchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().min(1).max(2000).nullable().optional(),
  active: z.boolean().optional(),
  add_on: z
    .boolean()
    .optional()
    .describe('An add-on is offered beside a base plan (extra seats, a second bag of beans); default false'),
});

export type CreateProductInput = z.infer<typeof createProductSchema>;

export const listProductsQuerySchema = listQuerySchema.extend({
  active: booleanQuerySchema.optional().describe('Only active (true) or inactive (false) products'),
});

export const productResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('product'),
  name: z.string(),
  description: z.string().nullable(),
  active: z.boolean(),
  add_on: z.boolean(),
  created_at: timestampSchema,
});

export type ProductResponse = z.infer<typeof productResponseSchema>;

export const productListSchema = listResponseSchema(productResponseSchema);
