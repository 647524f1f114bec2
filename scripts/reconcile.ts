import { loadConfig } from '../src/config';
import { initOrm } from '../src/db/orm.config';
import { reconcileAll, reconcileSubscription } from '../src/subscriptions/reconcile';
import { connectClient } from '../src/temporal/connection';

/**
 * `npm run subscriptions:reconcile -- <sub_…> | --all`: puts workflows and the read model back in step after an
 * operator terminated or reset a subscription's workflow (docs/operations.md). Prints what it did per subscription.
 */
async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error('usage: npm run subscriptions:reconcile -- <subscription id> | --all');
  const config = loadConfig();
  const orm = await initOrm(config.DATABASE_URL);
  const client = await connectClient(config);
  try {
    const deps = { em: orm.em.fork(), client, taskQueue: config.TEMPORAL_TASK_QUEUE };
    const outcomes =
      target === '--all' ? await reconcileAll(deps) : [await reconcileSubscription(deps, target)];
    for (const outcome of outcomes)
      console.log(`${outcome.subscriptionId}\t${outcome.action}\t${outcome.detail}`);
  } finally {
    await client.connection.close();
    await orm.close(true);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
