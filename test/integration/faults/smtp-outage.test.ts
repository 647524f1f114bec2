import { EmailMessage } from '../../../src/db/entities';
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

  test('emails wait in the outbox while it is down and go out exactly once when it returns', async () => {
    await smtp.stop();
    const subscriptionIds = await startStorm(stack, SUBSCRIPTIONS, 'tok_visa');

    // The relay claims each row, fails to connect and backs the row off (2 s, then 4 s): two attempts each means
    // the relay has really retried while the server was down, and nothing was lost or marked failed.
    const em = () => db.orm.em.fork();
    await waitUntil(
      async () => {
        const rows = await em().find(EmailMessage, {});
        return rows.length === SUBSCRIPTIONS * 2 && rows.every((row) => row.attempts >= 2);
      },
      'every welcome and receipt email to have failed twice',
      60_000,
    );
    const whileDown = await em().find(EmailMessage, {}, { orderBy: { kind: 'asc' } });
    expect(whileDown.map((row) => [row.kind, row.status])).toEqual([
      ...subscriptionIds.map(() => ['receipt', 'pending']),
      ...subscriptionIds.map(() => ['welcome', 'pending']),
    ]);
    expect(whileDown.every((row) => /ECONNREFUSED/.test(row.lastError ?? ''))).toBe(true);
    // The subscriptions did not wait for the mail: every first invoice was charged while the relay was down.
    await waitForAllSettled(stack, subscriptionIds, STORM_START, 60_000);

    const catcher = await smtp.start();
    // Each row's next try is at most 2^attempts seconds after its last failure.
    await catcher.waitForMessages(SUBSCRIPTIONS * 2, 90_000);

    const ledger = await readLedger(stack, catcher, subscriptionIds);
    // One paid first invoice and one charge each, and every outbox row sent and delivered.
    expect(stormViolations(ledger, [0])).toEqual([]);
    expect(ledger.emailRows.map((row) => row.kind).sort()).toEqual(
      subscriptionIds.flatMap(() => ['receipt', 'welcome']).sort(),
    );
    // Every row is marked sent, so the relay has nothing left to send: each email came once.
    expect(redeliveries(ledger)).toBe(0);
    expect(catcher.messages()).toHaveLength(SUBSCRIPTIONS * 2);
  }, 240_000);

  test('the relay’s pooled connection dies with the server: the emails after it wait, then go out exactly once', async () => {
    // The first test left the mailer's pooled connection open to the server that came back; stopping that server
    // ends the connection under the relay.
    await smtp.stop();
    const subscriptionIds = await startStorm(stack, SUBSCRIPTIONS, 'tok_visa');
    const em = () => db.orm.em.fork();
    await waitUntil(
      async () => {
        const rows = await em().find(EmailMessage, { subscriptionId: { $in: subscriptionIds } });
        return (
          rows.length === SUBSCRIPTIONS * 2 &&
          rows.every((row) => row.status === 'pending' && row.attempts >= 1 && row.lastError)
        );
      },
      'every new email to have failed once',
      60_000,
    );
    await waitForAllSettled(stack, subscriptionIds, STORM_START, 60_000);

    const catcher = await smtp.start();
    await catcher.waitForMessages(SUBSCRIPTIONS * 2, 90_000);
    // The ledger of the first test reads the whole database, so these rows are checked on their own: each sent,
    // each delivered once under its own Message-ID, nothing else delivered.
    await waitUntil(
      async () =>
        (await em().find(EmailMessage, { subscriptionId: { $in: subscriptionIds } })).every(
          (row) => row.status === 'sent',
        ),
      'every new email to be marked sent',
      30_000,
    );
    const rows = await em().find(EmailMessage, { subscriptionId: { $in: subscriptionIds } });
    const delivered = catcher
      .messages()
      .map((message) => /^Message-ID:\s*(<[^>]+>)/im.exec(message.raw)?.[1])
      .sort();
    expect(delivered).toEqual(rows.map((row) => row.messageId).sort());
    expect(new Set(delivered).size).toBe(SUBSCRIPTIONS * 2);
  }, 240_000);
});
