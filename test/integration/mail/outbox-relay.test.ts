import PostalMime from 'postal-mime';
import { EmailMessage, SellerSettings } from '../../../src/db/entities';
import { chargeInvoiceAttempt, createOneOffInvoice } from '../../../src/db/services';
import { startSmtpCatcher, type SmtpCatcher } from '../../../src/dev/smtp-catcher';
import { SandboxGateway } from '../../../src/gateways';
import { createMailer, type Mailer } from '../../../src/mail/mailer';
import { renderOutboxEmail, type OutboxPayload } from '../../../src/mail/lifecycle-email';
import { createOutboxRelay } from '../../../src/mail/outbox-relay';
import { redeemEmailLink } from '../../../src/db/services/portal-entries';
import { verifyPortalLink } from '../../../src/portal/links';
import { renderEmail } from '../../../src/mail/templates';
import { initialSubscriptionState } from '../../../src/subscriptions/initial-state';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { attachCard, seedCustomer, seedPlan, seedSeller } from '../../support/lifecycle';
import { item } from '../../support/states';
import { TEST_SANDBOX_WEBHOOK_SECRET } from '../../support/workers';

describe('outbox relay over a real SMTP server', () => {
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

  async function outboxRow(causeKey: string, payload: Record<string, unknown>, recipient: string) {
    const em = db.orm.em.fork();
    em.create(EmailMessage, {
      causeKey,
      kind: String(payload.kind),
      recipient,
      subject: String(payload.kind),
      messageId: `<${causeKey.replace(/[^a-z0-9]/gi, '')}@perennial>`,
      payload,
    });
    await em.flush();
  }

  test('a welcome email arrives intact in the customer’s language once; draining again sends nothing more', async () => {
    const gateway = new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
    const plan = await seedPlan(db.orm, { name: 'Kaffee-Abo', trialDays: 14 });
    const { customer } = await seedCustomer({ db, gateway }, null);
    const state = initialSubscriptionState({
      subscriptionId: 'sub_0123456789abcdef01234567',
      customerId: customer.id,
      currency: 'EUR',
      items: [item({ planId: plan.id, name: 'Kaffee-Abo' })],
      interval: { unit: 'month', count: 1 },
      timeZone: 'Europe/Berlin',
      startAt: '2027-01-31T09:00:00.000Z',
      trialDays: 14,
      paymentMethodId: null,
      trialEndWithoutPaymentMethod: 'cancel',
      couponIds: [],
      testClockId: null,
    });
    const cause = `${state.subscriptionId}:welcome`;
    await outboxRow(cause, { kind: 'welcome', cause, state, at: state.anchor }, customer.email);
    const relay = createOutboxRelay({ orm: db.orm, mailer, publicUrl: 'https://billing.example.test' });

    expect(await relay.drainOnce()).toBe(1);
    expect(await relay.drainOnce()).toBe(0);
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

    const outbox = await db.orm.em.fork().findOneOrFail(EmailMessage, { causeKey: cause });
    expect(outbox).toMatchObject({ kind: 'welcome', status: 'sent', subject: expected.subject, attempts: 1 });
    expect(outbox.smtpResponse).toMatch(/^250/);
    expect(message?.raw).toContain(`Message-ID: ${outbox.messageId}`);
  });

  test('with a portal link secret, a trial-ending email carries a signed link to the payment method page: the same when the message is rendered again, honoured by the portal once; renewal, welcome and cancellation emails link the subscription', async () => {
    const secret = 'relay-test-portal-link-secret-0123456789';
    const gateway = new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
    const plan = await seedPlan(db.orm, { name: 'Coffee', trialDays: 14 });
    const { customer } = await seedCustomer({ db, gateway }, null);
    const state = initialSubscriptionState({
      subscriptionId: 'sub_89abcdef0123456789abcdef',
      customerId: customer.id,
      currency: 'EUR',
      items: [item({ planId: plan.id, name: 'Coffee' })],
      interval: { unit: 'month', count: 1 },
      timeZone: 'Europe/Berlin',
      startAt: '2027-01-31T09:00:00.000Z',
      trialDays: 14,
      paymentMethodId: null,
      trialEndWithoutPaymentMethod: 'cancel',
      couponIds: [],
      testClockId: null,
    });
    const cause = `${state.subscriptionId}:trial_ending`;
    const payload = { kind: 'trial_ending', cause, state, at: state.anchor };
    await outboxRow(cause, payload, customer.email);
    const relay = createOutboxRelay({
      orm: db.orm,
      mailer,
      publicUrl: 'https://billing.example.test',
      portalLinkSecret: secret,
    });

    expect(await relay.drainOnce()).toBe(1);
    const row = await db.orm.em.fork().findOneOrFail(EmailMessage, { causeKey: cause });
    const message = (await catcher.waitForMessages(2)).find((sent) =>
      sent.raw.includes(`Message-ID: ${row.messageId}`),
    );
    const sentLinks = [
      ...(message?.text ?? '').matchAll(/https:\/\/billing\.example\.test\/portal\/\S+/g),
    ].map((match) => match[0]);
    expect(sentLinks).toHaveLength(1);
    const link = sentLinks[0] ?? '';
    expect(link).toMatch(/^https:\/\/billing\.example\.test\/portal\/link\//);
    const verified = verifyPortalLink(link.split('/portal/link/')[1] ?? '', secret);
    expect(verified).toMatchObject({ ok: true, customerId: customer.id, path: '/portal/payment-method' });
    if (!verified.ok) return;

    // The same row rendered again (a relay that died after sending) gives the same link, not a second one.
    const again = await renderOutboxEmail(db.orm.em.fork(), payload as unknown as OutboxPayload, {
      publicUrl: 'https://billing.example.test',
      portalLinkSecret: secret,
      message: { id: row.id, createdAt: row.createdAt },
    });
    expect(again.text).toContain(link);
    // Valid for 7 days from when the email was queued.
    expect(verified.expiresAt.getTime()).toBe(
      Math.floor((row.createdAt.getTime() + 7 * 24 * 60 * 60 * 1000) / 1000) * 1000,
    );

    // The portal honours it once (the browser test follows such a link through the pages).
    expect(await redeemEmailLink(db.orm.em.fork(), verified)).toMatchObject({ ok: true });
    expect(await redeemEmailLink(db.orm.em.fork(), verified)).toEqual({ ok: false, reason: 'used' });

    // The other emails of a subscription link its page, each message its own link.
    const targets: Record<string, string> = {};
    for (const kind of ['upcoming_renewal', 'welcome', 'canceled']) {
      const rendered = await renderOutboxEmail(
        db.orm.em.fork(),
        {
          kind,
          cause: `${state.subscriptionId}:${kind}`,
          state,
          at: state.anchor,
        } as unknown as OutboxPayload,
        {
          publicUrl: 'https://billing.example.test',
          portalLinkSecret: secret,
          message: { id: `row-${kind}`, createdAt: row.createdAt },
        },
      );
      const token = /\/portal\/link\/(\S+)/.exec(rendered.text)?.[1] ?? '';
      const checked = verifyPortalLink(token, secret);
      targets[kind] = checked.ok ? `${checked.path} ${checked.linkId}` : checked.reason;
    }
    expect(targets).toEqual({
      upcoming_renewal: `/portal/subscriptions/${state.subscriptionId} row-upcoming_renewal:subscription`,
      welcome: `/portal/subscriptions/${state.subscriptionId} row-welcome:subscription`,
      canceled: `/portal/subscriptions/${state.subscriptionId} row-canceled:subscription`,
    });
  });

  test('every dunning level’s email and the receipt carry a signed link, sent over SMTP, that verifies, leads to the payment method page (dunning) or the paid invoice’s page (receipt), and is honoured once', async () => {
    const secret = 'relay-test-portal-link-secret-dunning-0123';
    if (!(await db.orm.em.fork().findOne(SellerSettings, 1))) await seedSeller(db.orm);
    const gateway = new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
    const plan = await seedPlan(db.orm, { name: 'Espresso' });
    const { customer, paymentMethodId: decliningCard } = await seedCustomer(
      { db, gateway },
      'tok_chargeDeclinedInsufficientFunds',
    );
    const state = initialSubscriptionState({
      subscriptionId: 'sub_fedcba9876543210fedcba98',
      customerId: customer.id,
      currency: 'EUR',
      items: [item({ planId: plan.id, name: 'Espresso' })],
      interval: { unit: 'month', count: 1 },
      timeZone: 'Europe/Berlin',
      startAt: '2027-01-31T09:00:00.000Z',
      trialDays: 0,
      paymentMethodId: decliningCard,
      trialEndWithoutPaymentMethod: 'cancel',
      couponIds: [],
      testClockId: null,
    });
    // An invoice whose charge is declined: what the dunning emails are about.
    const { invoice } = await createOneOffInvoice(db.orm.em.fork(), {
      invoiceId: 'in_fedcba9876543210fedcba98',
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ description: 'Espresso', amount: 2900 }],
      includePendingItems: false,
      at: '2027-02-28T09:00:00Z',
    });
    const charge = (attempt: number, card: string | null) =>
      chargeInvoiceAttempt(db.orm.em.fork(), gateway, {
        invoiceId: invoice.id,
        attempt,
        paymentMethodId: card,
        metadata: { invoice_id: invoice.id },
        at: '2027-02-28T09:00:05Z',
      });
    expect(await charge(1, decliningCard)).toMatchObject({ outcome: 'declined' });
    const relay = createOutboxRelay({
      orm: db.orm,
      mailer,
      publicUrl: 'https://billing.example.test',
      portalLinkSecret: secret,
    });
    const sentBefore = catcher.messages().length;
    const dunning = ['dunning_reminder', 'dunning_second_reminder', 'dunning_final_notice'] as const;
    for (const kind of dunning) {
      const cause = `${state.subscriptionId}:${kind}:${invoice.id}`;
      await outboxRow(cause, { kind, cause, state, at: state.anchor, invoiceId: invoice.id }, customer.email);
    }
    // The customer puts in a card that works; the invoice is paid and its receipt queued.
    const goodCard = await attachCard({ db, gateway }, customer, 'tok_visa');
    expect(await charge(2, goodCard)).toMatchObject({ outcome: 'paid' });
    const receiptCause = `${state.subscriptionId}:receipt:${invoice.id}`;
    await outboxRow(
      receiptCause,
      { kind: 'receipt', cause: receiptCause, state, at: state.anchor, invoiceId: invoice.id },
      customer.email,
    );
    expect(await relay.drainOnce()).toBe(4);
    const sent = await catcher.waitForMessages(sentBefore + 4);

    // Each email: its kind, the page its link must lead to (as `linkId` names it) and that page's portal path.
    const expectations = [
      ...dunning.map((kind) => ({
        kind,
        cause: `${state.subscriptionId}:${kind}:${invoice.id}`,
        page: 'payment_method',
        path: '/portal/payment-method',
      })),
      { kind: 'receipt', cause: receiptCause, page: 'invoice', path: `/portal/invoices/${invoice.id}` },
    ];
    const seen: Record<string, string> = {};
    const wanted: Record<string, string> = {};
    for (const expected of expectations) {
      const row = await db.orm.em.fork().findOneOrFail(EmailMessage, { causeKey: expected.cause });
      expect(row.status).toBe('sent');
      wanted[expected.kind] = `${customer.id} ${expected.path} ${row.id}:${expected.page}`;
      // Headers unfolded: a long Message-ID may be folded onto the next line.
      const message = sent.find((candidate) =>
        candidate.raw.replace(/\r?\n[ \t]+/g, ' ').includes(`Message-ID: ${row.messageId}`),
      );
      expect(message).toBeDefined();
      const links = [...(message?.text ?? '').matchAll(/https:\/\/billing\.example\.test\/portal\/\S+/g)].map(
        (match) => match[0],
      );
      expect(links).toHaveLength(1);
      const link = links[0] ?? '';
      // The HTML part's button carries the same link.
      expect(message?.html).toContain(`href="${link}"`);
      const verified = verifyPortalLink(link.split('/portal/link/')[1] ?? '', secret);
      seen[expected.kind] = verified.ok
        ? `${verified.customerId} ${verified.path} ${verified.linkId}`
        : `refused: ${verified.reason}`;
      if (!verified.ok) continue;
      // Honoured once: the first use signs in, a second is refused.
      expect(await redeemEmailLink(db.orm.em.fork(), verified)).toMatchObject({ ok: true });
      expect(await redeemEmailLink(db.orm.em.fork(), verified)).toEqual({ ok: false, reason: 'used' });
    }
    expect(seen).toEqual(wanted);
  });

  test('with an email sender in the seller settings, the next email goes out from it over SMTP, its Message-ID unchanged; without one, from MAIL_FROM again', async () => {
    if (!(await db.orm.em.fork().findOne(SellerSettings, 1))) await seedSeller(db.orm);
    const gateway = new SandboxGateway({ orm: db.orm, webhookSecret: TEST_SANDBOX_WEBHOOK_SECRET });
    const plan = await seedPlan(db.orm, { name: 'Filterkaffee' });
    const { customer } = await seedCustomer({ db, gateway }, null);
    const welcome = async (subscriptionId: string) => {
      const state = initialSubscriptionState({
        subscriptionId,
        customerId: customer.id,
        currency: 'EUR',
        items: [item({ planId: plan.id, name: 'Filterkaffee' })],
        interval: { unit: 'month', count: 1 },
        timeZone: 'Europe/Berlin',
        startAt: '2027-01-31T09:00:00.000Z',
        trialDays: 0,
        paymentMethodId: null,
        trialEndWithoutPaymentMethod: 'cancel',
        couponIds: [],
        testClockId: null,
      });
      const cause = `${subscriptionId}:welcome`;
      await outboxRow(cause, { kind: 'welcome', cause, state, at: state.anchor }, customer.email);
      return cause;
    };
    const sentFor = async (cause: string) => {
      const row = await db.orm.em.fork().findOneOrFail(EmailMessage, { causeKey: cause });
      const message = catcher.messages().find((sent) => sent.raw.includes(`Message-ID: ${row.messageId}`));
      if (!message) throw new Error(`no message sent for ${cause}`);
      const parsed = await PostalMime.parse(message.raw);
      return { row, message, from: parsed.from, messageId: parsed.messageId };
    };
    const relay = createOutboxRelay({ orm: db.orm, mailer, publicUrl: 'https://billing.example.test' });
    // As PUT /v1/settings stores it (test/integration/api/catalog.test.ts sets it through the API).
    await db.orm.em
      .fork()
      .nativeUpdate(
        SellerSettings,
        { id: 1 },
        { emailSender: { name: 'Rösterei Beispiel, Versand', address: 'versand@roesterei.example' } },
      );

    const withSender = await welcome('sub_5e4de70000000000000000a1');
    expect(await relay.drainOnce()).toBe(1);
    const sent = await sentFor(withSender);
    expect(sent.from).toEqual({ name: 'Rösterei Beispiel, Versand', address: 'versand@roesterei.example' });
    expect(sent.message.envelopeFrom).toBe('versand@roesterei.example');
    // The Message-ID is the row's, as before: a second sending of the same row could still be recognised.
    expect(sent.messageId).toBe(sent.row.messageId);
    expect(sent.row.messageId).toBe('<sub5e4de70000000000000000a1welcome@perennial>');

    await db.orm.em.fork().nativeUpdate(SellerSettings, { id: 1 }, { emailSender: null });
    const withoutSender = await welcome('sub_5e4de70000000000000000a2');
    expect(await relay.drainOnce()).toBe(1);
    const plain = await sentFor(withoutSender);
    expect(plain.from).toEqual({ name: 'Perennial', address: 'billing@example.test' });
  });

  test('an email that cannot be rendered is retried a few times, then marked failed instead of blocking the queue', async () => {
    const cause = 'sub_broken:receipt:in_missing';
    await outboxRow(
      cause,
      {
        kind: 'receipt',
        cause,
        invoiceId: 'in_missing',
        state: { customerId: 'cus_missing' },
        at: '2027-01-01T00:00:00Z',
      },
      'nobody@example.test',
    );
    const relay = createOutboxRelay({
      orm: db.orm,
      mailer,
      publicUrl: 'https://billing.example.test',
      maxAttempts: 2,
    });
    const em = db.orm.em.fork();
    for (let attempt = 1; attempt <= 2; attempt++) {
      // The failed row backs off; make it due again at once.
      await em.nativeUpdate(EmailMessage, { causeKey: cause }, { leaseUntil: null });
      await relay.drainOnce();
    }
    const row = await db.orm.em.fork().findOneOrFail(EmailMessage, { causeKey: cause });
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
    expect(row.lastError).toBeTruthy();
    expect(catcher.messages().some((message) => message.envelopeTo.includes('nobody@example.test'))).toBe(
      false,
    );
  });
});
