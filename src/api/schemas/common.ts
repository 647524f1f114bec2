import { z } from 'zod';
import { isKnownCurrency } from '../../domain/money';
import { errorStatus, type ErrorType } from '../errors';
import { isCountryCode } from './countries';

/**
 * Building blocks shared by the resource schemas. Every request object is strict (an unknown field is a 400
 * naming it), every string has an upper bound, and amounts are integers in minor units that JSON and
 * JavaScript represent exactly.
 */

/** Minor units (cents, yen, fils); never a float, never beyond 2^53 − 1. */
export const amountSchema = z
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('A non-negative amount in the minor unit of its currency (e.g. cents)');

export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code')
  .refine(isKnownCurrency, 'must be a billable ISO 4217 currency')
  .describe('ISO 4217 currency code, upper case');

export const countrySchema = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be an upper-case ISO 3166-1 alpha-2 code')
  .refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code')
  .describe('ISO 3166-1 alpha-2 country code, upper case');

export const localeSchema = z.enum(['de', 'en']).describe('Language of emails and documents');

export const vatIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 .-]{1,31}$/,
    'must be a VAT or tax id of letters, digits, spaces, dots, dashes',
  )
  .describe(
    'VAT identification number, e.g. DE123456789. For a party in an EU member state it must be a well-formed EU ' +
      "VAT id (a member state's prefix, EL for Greece, and that state's format); a party in the United Kingdom may " +
      'give an XI id for Northern Ireland. Tax ids of other countries are taken as written.',
  );

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone')
  .describe('IANA time zone, e.g. Europe/Berlin');

export const addressSchema = z
  .strictObject({
    line1: z.string().min(1).max(200),
    line2: z.string().min(1).max(200).optional(),
    postal_code: z.string().min(1).max(20),
    city: z.string().min(1).max(100),
    region: z.string().min(1).max(100).optional(),
    country: countrySchema,
  })
  .describe('Postal address');

export const addressResponseSchema = z.object({
  line1: z.string(),
  line2: z.string().optional(),
  postal_code: z.string(),
  city: z.string(),
  region: z.string().optional(),
  country: z.string(),
});

export type AddressInput = z.infer<typeof addressSchema>;

export function prefixedId(prefix: string, what: string) {
  return z
    .string()
    .max(64)
    .regex(new RegExp(`^${prefix}_[a-f0-9]{24}$`), `must be ${what} id (${prefix}_…)`)
    .describe(`${what} id`);
}

export const timestampSchema = z.iso.datetime().describe('ISO 8601 instant in UTC');

export const idParamsSchema = (prefix: string, what: string) =>
  z.strictObject({ id: prefixedId(prefix, what) });

/** `?limit=&starting_after=` on every list; filters are added per resource with `.extend`. */
export const listQuerySchema = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .describe('How many objects to return, 1 to 100 (default 10)'),
  starting_after: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('Cursor: the id of the last object of the previous page (its `next_cursor`)'),
});

export type ListQuery = z.infer<typeof listQuerySchema>;

/** For lists that may be read newest first (the audit log, invoices); the cursor then walks backwards in time. */
export const orderQuerySchema = z
  .enum(['asc', 'desc'])
  .default('asc')
  .describe('`asc`: oldest first (default); `desc`: newest first');

export function listResponseSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  });
}

/** The body of a command that takes no parameters: absent, `{}`, or a 400 for anything in it. */
export const emptyBodySchema = z.strictObject({});

export const booleanQuerySchema = z.enum(['true', 'false']).transform((value) => value === 'true');

export const errorResponseSchema = z.strictObject({
  error: z.strictObject({
    type: z.enum(Object.keys(errorStatus) as [ErrorType, ...ErrorType[]]),
    code: z.string(),
    message: z.string(),
    param: z.string().optional(),
  }),
});
