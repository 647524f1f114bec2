import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { CONSOLE_ROLES, type ConsoleRole } from '../src/db/entities';
import { initOrm } from '../src/db/orm.config';
import { createConsoleUser } from '../src/db/services/console-users';

/**
 * `npm run admin:create -- --email ops@example.com [--name "Olga Ops"] [--role admin|viewer] [--locale de|en]`:
 * a console user for `/admin`. The password comes from `CONSOLE_PASSWORD` (12 characters to 72 bytes) or is
 * generated and printed once; only its bcrypt hash is stored.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', default: 'admin' },
      locale: { type: 'string', default: 'en' },
    },
  });
  if (!values.email)
    throw new Error('usage: npm run admin:create -- --email <email> [--name <name>] [--role admin|viewer]');
  if (!(CONSOLE_ROLES as readonly string[]).includes(values.role ?? '')) {
    throw new Error(`--role must be one of ${CONSOLE_ROLES.join(', ')}`);
  }
  if (values.locale !== 'de' && values.locale !== 'en') throw new Error('--locale must be de or en');
  const generated = !process.env.CONSOLE_PASSWORD;
  const password = process.env.CONSOLE_PASSWORD ?? randomBytes(18).toString('base64url');
  const config = loadConfig();
  const orm = await initOrm(config.DATABASE_URL);
  try {
    const user = await createConsoleUser(orm.em.fork(), {
      email: values.email,
      name: values.name ?? values.email,
      role: values.role as ConsoleRole,
      locale: values.locale,
      password,
    });
    console.log(`created console user ${user.email} (${user.role}), sign in at ${config.PUBLIC_URL}/admin`);
    if (generated) console.log(`password (shown once): ${password}`);
  } finally {
    await orm.close(true);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
