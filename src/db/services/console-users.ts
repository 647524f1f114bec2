import type { EntityManager } from '@mikro-orm/core';
import { ConsoleUser, type ConsoleRole } from '../entities';
import { StoreError } from './errors';
import {
  hashPassword,
  MAX_PASSWORD_BYTES,
  needsRehash,
  passwordTooLong,
  verifyPassword,
} from './password-hash';

export const MIN_PASSWORD_LENGTH = 12;

export interface NewConsoleUser {
  email: string;
  name: string;
  role: ConsoleRole;
  password: string;
  locale?: 'de' | 'en';
}

/** Stores a console user with a bcrypt hash of the password (cost 12, `password-hash.ts`). */
export async function createConsoleUser(em: EntityManager, input: NewConsoleUser): Promise<ConsoleUser> {
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new StoreError('invalid_input', `A password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (passwordTooLong(input.password)) {
    throw new StoreError('invalid_input', `A password may have at most ${MAX_PASSWORD_BYTES} bytes`);
  }
  const email = input.email.trim().toLowerCase();
  if (await em.findOne(ConsoleUser, { email })) {
    throw new StoreError('invalid_state', `A console user ${email} exists already`);
  }
  const user = em.create(ConsoleUser, {
    email,
    name: input.name,
    role: input.role,
    passwordHash: await hashPassword(input.password),
    locale: input.locale ?? 'en',
  });
  await em.persistAndFlush(user);
  return user;
}

// Verified when the email is unknown, so that a wrong email costs as long as a wrong password.
let decoy: Promise<string> | undefined;

/**
 * The user whose email and password these are, if enabled; null for any mismatch, without saying which. A hash of
 * an older kind (scrypt) or cost is replaced by today's bcrypt hash once the password has proven right.
 */
export async function verifyConsoleLogin(
  em: EntityManager,
  email: string,
  password: string,
): Promise<ConsoleUser | null> {
  const user = await em.findOne(ConsoleUser, { email: email.trim().toLowerCase(), disabledAt: null });
  decoy ??= hashPassword('decoy password that matches nothing');
  const matches = await verifyPassword(user?.passwordHash ?? (await decoy), password).catch(() => false);
  if (!user || !matches) return null;
  if (needsRehash(user.passwordHash)) {
    user.passwordHash = await hashPassword(password);
    await em.flush();
  }
  return user;
}
