import { createLifecycleNotificationActivities } from '../../src/activities/lifecycle-notifications';
import { EmailMessage } from '../../src/db/entities';
import { startSmtpCatcher, type SmtpCatcher } from '../../src/dev/smtp-catcher';
import { createMailer, type Mailer } from '../../src/mail/mailer';
import { renderEmail } from '../../src/mail/templates';
import { SandboxGateway } from '../../src/gateways';
import { initialSubscriptionState } from '../../src/subscriptions/initial-state';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { seedCustomer, seedPlan } from '../support/lifecycle';
import { TEST_SANDBOX_WEBHOOK_SECRET } from '../support/workers';

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

  test('a welcome email arrives intact in the customer’s language, and a retried activity for the same cause sends nothing more', async () => {
    const gateway = new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
    const plan = await seedPlan(db.orm, { name: 'Kaffee-Abo', trialDays: 14 });
    const { customer } = await seedCustomer({ db, gateway }, null);
    const state = initialSubscriptionState({
      subscriptionId: 'sub_0123456789abcdef01234567',
      customerId: customer.id,
      currency: 'EUR',
      plan: { planId: plan.id, unitAmount: 1900 },
      quantity: 1,
      interval: { unit: 'month', count: 1 },
      timeZone: 'Europe/Berlin',
      startAt: '2027-01-31T09:00:00.000Z',
      trialDays: 14,
      paymentMethodId: null,
      trialEndWithoutPaymentMethod: 'cancel',
    });
    const { notify } = createLifecycleNotificationActivities({
      orm: db.orm,
      mailer,
      publicUrl: 'https://billing.example.test',
    });
    const request = { kind: 'welcome' as const, cause: `${state.subscriptionId}:welcome`, state };

    await notify(request);
    await notify(request);
    const [message] = await catcher.waitForMessages(1);

    const expected = renderEmail('welcome', 'de', {
      customerName: 'Erika Mustermann',
      sellerName: 'Perennial',
      timeZone: 'Europe/Berlin',
      planName: 'Kaffee-Abo',
      trialEndsAt: '2027-02-14T09:00:00.000Z',
      portalUrl: `https://billing.example.test/portal/subscriptions/${state.subscriptionId}`,
    });
    expect(catcher.messages()).toHaveLength(1);
    expect(message?.envelopeTo).toEqual([customer.email]);
    expect(message?.subject).toBe(expected.subject);
    expect(message?.text?.trim()).toBe(expected.text.trim());

    const outbox = await db.orm.em.fork().find(EmailMessage, {});
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ causeKey: request.cause, kind: 'welcome', status: 'sent' });
    expect(outbox[0]?.smtpResponse).toMatch(/^250/);
    expect(message?.raw).toContain(`Message-ID: ${outbox[0]?.messageId}`);
  });
});
