import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApiKey, findActiveApiKey } from '../src/db/api-keys';
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
