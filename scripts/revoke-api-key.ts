import { loadConfig } from '../src/config';
import { apiKeyHash, revokeApiKey } from '../src/db/api-keys';
import { initOrm } from '../src/db/orm.config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `npm run keys:revoke -- <key id | secret key>`: the id `keys:create` printed, or the key itself when the id is
 * lost. Running API processes refuse the key within API_KEY_CACHE_MS, the time they trust a verified key.
 */
async function main(): Promise<void> {
  const given = process.argv[2];
  if (!given) throw new Error('usage: npm run keys:revoke -- <key id | secret key>');
  const config = loadConfig();
  const orm = await initOrm(config.DATABASE_URL);
  try {
    const key = await revokeApiKey(
      orm.em.fork(),
      'secret',
      UUID.test(given) ? { id: given } : { hash: apiKeyHash(given) },
    );
    if (!key) throw new Error('no secret API key with that id or value');
    console.log(
      `revoked API key "${key.name}" (${key.id}) at ${key.revokedAt?.toISOString() ?? ''}; ` +
        `running API processes refuse it within ${config.API_KEY_CACHE_MS} ms`,
    );
  } finally {
    await orm.close(true);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
