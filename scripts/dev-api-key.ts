import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApiKey, findActiveApiKey } from '../src/db/api-keys';
import { ConsoleUser } from '../src/db/entities';
import { createConsoleUser, verifyConsoleLogin } from '../src/db/services/console-users';
import type { Orm } from '../src/db/orm.config';

/** The development key survives restarts (kept beside the database it belongs to) so curl snippets keep working. */
export async function ensureDevApiKey(orm: Orm, stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'dev-api-key');
  const em = orm.em.fork();
  if (existsSync(file)) {
    const secret = (await readFile(file, 'utf8')).trim();
    if (await findActiveApiKey(em, secret)) return secret;
  }
  const { secret } = await createApiKey(em, 'development');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** A development-only secret (e.g. the sandbox gateway's webhook key), generated once and kept in the state folder. */
export async function ensureDevSecret(stateDir: string, name: string): Promise<string> {
  const file = path.join(stateDir, name);
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export const DEV_CONSOLE_EMAIL = 'admin@perennial.localhost';

/**
 * The development console login printed by `npm start`: an `admin` console user whose generated password is kept
 * in the state folder beside the database, so that it survives restarts (and is replaced if it no longer matches).
 */
export async function ensureDevConsoleUser(
  orm: Orm,
  stateDir: string,
): Promise<{ email: string; password: string }> {
  const file = path.join(stateDir, 'dev-console-password');
  const em = orm.em.fork();
  if (existsSync(file)) {
    const password = (await readFile(file, 'utf8')).trim();
    if (await verifyConsoleLogin(em, DEV_CONSOLE_EMAIL, password))
      return { email: DEV_CONSOLE_EMAIL, password };
  }
  const password = randomBytes(18).toString('base64url');
  const existing = await em.findOne(ConsoleUser, { email: DEV_CONSOLE_EMAIL });
  if (existing) await em.removeAndFlush(existing);
  await createConsoleUser(em, {
    email: DEV_CONSOLE_EMAIL,
    name: 'Development admin',
    role: 'admin',
    password,
  });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return { email: DEV_CONSOLE_EMAIL, password };
}
