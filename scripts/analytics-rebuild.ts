import { z } from 'zod';
import { initOrm } from '../src/db/orm.config';
import { rebuildMrrLedger } from '../src/db/services/mrr-rebuild';

/**
 * `npm run analytics:rebuild [-- --check]` against DATABASE_URL: recomputes the MRR ledger and the trial marks from
 * the domain events and replaces the recorded ones in one transaction, printing where they differed. With
 * `--check` it only compares, and exits 1 if the recorded ledger differs from the events (or an event is unreadable).
 */
async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const databaseUrl = z
    .string()
    .url()
    .parse(process.env.DATABASE_URL, { error: () => 'DATABASE_URL must be set' });
  const orm = await initOrm(databaseUrl);
  try {
    const { rebuilt, differences } = await rebuildMrrLedger(orm.em.fork(), { apply: !check });
    for (const event of rebuilt.unreadable) {
      console.error(`unreadable snapshot in event ${event.eventKey} (${event.eventId}): ${event.problem}`);
    }
    for (const difference of differences.slice(0, 50)) {
      console.log(
        `${difference.table} ${difference.key}: recorded ${JSON.stringify(difference.recorded)}, ` +
          `rebuilt ${JSON.stringify(difference.rebuilt)}`,
      );
    }
    if (differences.length > 50) console.log(`… and ${differences.length - 50} more differences`);
    console.log(
      `${rebuilt.movements.length} movements and ${rebuilt.trialMarks.length} trial marks from the events; ` +
        `${differences.length} differed from the recorded ledger` +
        (check ? ' (checked only, nothing written)' : '; the recorded ledger now equals the rebuilt one'),
    );
    if (check && (differences.length > 0 || rebuilt.unreadable.length > 0)) process.exitCode = 1;
  } finally {
    await orm.close(true);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
