import { BigIntType } from '@mikro-orm/core';

/**
 * Money and usage quantities are `bigint` in SQL (no float, room beyond int4) but plain `number` in JavaScript,
 * matching the domain's safe-integer minor units; the domain rejects anything beyond 2^53 − 1 before it gets here.
 */
export const bigintNumber = () => new BigIntType('number');

export const timestamptz = { type: 'datetime', columnType: 'timestamptz' } as const;

export const createdAtColumn = { ...timestamptz, defaultRaw: 'now()' } as const;

export const updatedAtColumn = { ...timestamptz, defaultRaw: 'now()', onUpdate: () => new Date() } as const;

/** A three-letter upper-case ISO 4217 code; which codes exist is the domain's concern (`money()`). */
export const currencyCheck = (column: string) => `${column} ~ '^[A-Z]{3}$'`;

export const countryCheck = (column: string) => `${column} ~ '^[A-Z]{2}$'`;

export type PostalAddress = {
  line1: string;
  line2?: string;
  postalCode: string;
  city: string;
  region?: string;
  country: string;
};
