import { EmailMessage } from '../../src/db/entities';
import { createNotificationActivities } from '../../src/activities/notification.activities';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('notification activity over a real SMTP server', () => {
  let db: TestDatabase;
  let catcher: SmtpCatcher;
  let mailer: Mailer;

  beforeAll(async () => {
    [db, catcher] = await Promise.all([createTestDatabase(), startSmtpCatcher()]);
    mailer = createMailer(catcher.smtpUrl, 'Perennial <billing@example.test>');
  });

  afterAll(async () => {
    mailer?.close();
    await Promise.all([db?.drop(), catcher?.close()]);
  });

  test('a renewal email arrives intact, and a retried activity for the same cause sends nothing more', async () => {
    const activities = createNotificationActivities({ orm: db.orm, mailer });
    const request = {
      subscriptionId: 'sub_0123456789abcdef01234567',
      periodIndex: 3,
      to: 'jürgen@example.test',
      periodStart: '2027-01-31T00:00:00.000Z',
      periodEnd: '2027-02-28T00:00:00.000Z',
    };

    const first = await activities.sendRenewalEmail(request);
    const retried = await activities.sendRenewalEmail(request);
    const [message] = await catcher.waitForMessages(1);

    expect(first.alreadySent).toBe(false);
    expect(retried).toEqual({ messageId: first.messageId, alreadySent: true });
    expect(catcher.messages()).toHaveLength(1);
    expect(message?.envelopeTo).toEqual([request.to]);
    expect(message?.subject).toBe(`Your subscription ${request.subscriptionId} renewed`);
    expect(message?.text).toBe(
      `Hello,\n\nyour subscription ${request.subscriptionId} completed the billing period ` +
        `${request.periodStart} – ${request.periodEnd} and renewed.\n\nPerennial\n`,
    );
    expect(message?.raw).toContain(`Message-ID: ${first.messageId}`);

    const outbox = await db.orm.em.fork().find(EmailMessage, {});
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ causeKey: 'renewal:sub_0123456789abcdef01234567:3', status: 'sent' });
    expect(outbox[0]?.smtpResponse).toMatch(/^250/);
  });
});
