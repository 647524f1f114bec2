import { loadConfig } from '../src/config';
import { createApiKey } from '../src/db/api-keys';
import { initOrm } from '../src/db/orm.config';

/** `npm run keys:create -- [name]`: prints a new secret key once; only its hash is stored. */
async function main(): Promise<void> {
  const config = loadConfig();
  const orm = await initOrm(config.DATABASE_URL);
  try {
    const { secret, key } = await createApiKey(orm.em.fork(), process.argv[2] ?? 'default');
    console.log(`created API key "${key.name}" (${key.id}):\n${secret}`);
  } finally {
    await orm.close(true);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
