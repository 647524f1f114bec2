import { z } from 'zod';
import { TAX_CATEGORIES } from '../../domain/tax';
import { booleanQuerySchema, listQuerySchema, listResponseSchema, timestampSchema } from './common';

export const taxCategorySchema = z
  .enum(TAX_CATEGORIES)
  .describe(
    "Which of the customer's VAT rates the product's invoice lines are taxed at: `standard` (most goods and " +
      "services), `reduced` (the member state's main reduced rate for goods, e.g. 7 % in Germany for foodstuffs and " +
      'books; the standard rate where a country has none) or `zero` (zero-rated). See docs/billing-rules.md, "Tax".',
  );

export const createProductSchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().min(1).max(2000).nullable().optional(),
  active: z.boolean().optional(),
  add_on: z
    .boolean()
    .optional()
    .describe('An add-on is offered beside a base plan (extra seats, a second bag of beans); default false'),
  tax_category: taxCategorySchema.optional().describe('Defaults to `standard`'),
});

export type CreateProductInput = z.infer<typeof createProductSchema>;

/** Only the fields given change; `null` clears the description. */
export const updateProductSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  description: z.string().min(1).max(2000).nullable().optional(),
  active: z.boolean().optional(),
  tax_category: taxCategorySchema
    .optional()
    .describe('Applies to invoices built from now on; finalized invoices keep the rate they were taxed at'),
});

export type UpdateProductInput = z.infer<typeof updateProductSchema>;

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
  tax_category: z.enum(TAX_CATEGORIES),
  created_at: timestampSchema,
});

export type ProductResponse = z.infer<typeof productResponseSchema>;

export const productListSchema = listResponseSchema(productResponseSchema);
