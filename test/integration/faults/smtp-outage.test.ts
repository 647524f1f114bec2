import { EmailMessage } from '../../../src/db/entities';
import { lifecycleWorkflowIdFor } from '../../../src/workflows/lifecycle/messages';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import {
  readLedger,
  redeliveries,
  STORM_START,
  startStorm,
  stormViolations,
  waitForAllSettled,
  waitUntil,
} from '../../support/faults';
import {
  type InProcessStack,
  type RestartableSmtp,
  startInProcessStack,
  startRestartableSmtp,
} from '../../support/outage';

const SUBSCRIPTIONS = 3;

describe('fault: the SMTP relay down for a while', () => {
  let db: TestDatabase;
  let smtp: RestartableSmtp;
  let stack: InProcessStack;

  beforeAll(async () => {
    db = await createTestDatabase();
    smtp = await startRestartableSmtp();
    stack = await startInProcessStack(db.orm, smtp.smtpUrl);
  });

  afterAll(async () => {
    await stack?.close();
    await smtp?.close();
    await db?.drop();
  });

  /** The notify activities still being retried, with their attempt number and last failure. */
  async function pendingNotifications(subscriptionIds: string[]) {
    const descriptions = await Promise.all(
      subscriptionIds.map((id) => stack.client.workflow.getHandle(lifecycleWorkflowIdFor(id)).describe()),
    );
    return descriptions.flatMap((description) =>
      (description.raw.pendingActivities ?? [])
        .filter((activity) => activity.activityType?.name === 'notify')
        .map((activity) => ({
          attempt: activity.attempt ?? 0,
          failure: activity.lastFailure?.message ?? '',
        })),
    );
  }

  test('emails wait in the outbox while it is down and go out exactly once when it returns', async () => {
    await smtp.stop();
    const subscriptionIds = await startStorm(stack, SUBSCRIPTIONS, 'tok_visa');

    // A pending activity reports the attempt it will make next: 3 means two have failed, the second one 5 s after
    // the first (the email preset's initial interval), so the retry is real and not a first try still running.
    await waitUntil(
      async () => {
        const pending = await pendingNotifications(subscriptionIds);
        return pending.length === SUBSCRIPTIONS && pending.every((activity) => activity.attempt >= 3);
      },
      'every welcome email to have failed twice',
      30_000,
    );
    const whileDown = await pendingNotifications(subscriptionIds);
    expect(whileDown.every((activity) => /ECONNREFUSED/.test(activity.failure))).toBe(true);
    const queued = await db.orm.em.fork().find(EmailMessage, {});
    expect(queued.map((message) => [message.kind, message.status])).toEqual(
      subscriptionIds.map(() => ['welcome', 'pending']),
    );

    const catcher = await smtp.start();
    // Attempt 3 comes 10 s after attempt 2; the first invoice and its receipt follow the welcome email.
    await catcher.waitForMessages(SUBSCRIPTIONS * 2, 60_000);
    await waitForAllSettled(stack, subscriptionIds, STORM_START, 60_000);

    const ledger = await readLedger(stack, catcher, subscriptionIds);
    // One paid first invoice and one charge each, and every outbox row sent and delivered.
    expect(stormViolations(ledger, [0])).toEqual([]);
    expect(ledger.emailRows.map((row) => row.kind).sort()).toEqual(
      subscriptionIds.flatMap(() => ['receipt', 'welcome']).sort(),
    );
    // Settled means no notify activity is left to retry, so nothing else can arrive: each email came once.
    expect(redeliveries(ledger)).toBe(0);
    expect(catcher.messages()).toHaveLength(SUBSCRIPTIONS * 2);
  }, 240_000);
});
