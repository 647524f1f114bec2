import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { newId } from '../ids';
import { createdAtColumn, timestamptz } from './columns';

export const CONSOLE_ROLES = ['admin', 'viewer'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * A person who signs in to the operator console (`/admin`). `admin` may act, `viewer` may only look. Only a bcrypt
 * hash of the password is stored (an older scrypt hash until its next sign-in); emails are kept lower-case so a
 * sign-in is case-insensitive.
 */
export class ConsoleUser {
  [OptionalProps]?: 'id' | 'locale' | 'createdAt';
  id: string = newId('usr');
  email!: string;
  name!: string;
  role!: ConsoleRole;
  passwordHash!: string;
  locale: 'de' | 'en' = 'en';
  createdAt: Date = new Date();
  disabledAt?: Date | null;
}

export const ConsoleUserSchema = new EntitySchema<ConsoleUser>({
  class: ConsoleUser,
  tableName: 'console_users',
  checks: [{ name: 'console_users_email_check', expression: 'email = lower(email)' }],
  properties: {
    id: { type: 'text', primary: true },
    email: { type: 'text', unique: 'console_users_email_unique' },
    name: { type: 'text' },
    role: { type: 'text', enum: true, items: [...CONSOLE_ROLES] },
    passwordHash: { type: 'text' },
    locale: { type: 'text', enum: true, items: ['de', 'en'], default: 'en' },
    createdAt: createdAtColumn,
    disabledAt: { ...timestamptz, nullable: true },
  },
});
