import { EmailMessage, Invoice } from '../../../src/db/entities';
import {
  advanceClock,
  type LifecycleHarness,
  seedCustomer,
  seedPlan,
  settled,
  start,
  startLifecycleHarness,
} from '../../support/lifecycle';

describe('lifecycle: renewals', () => {
  let harness: LifecycleHarness;

  beforeAll(async () => {
    harness = await startLifecycleHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  test('a monthly subscription anchored on Jan 31 is invoiced on Jan 31, Feb 28, Mar 31 and Apr 30, numbered and paid', async () => {
    const plan = await seedPlan(harness.db.orm, { amounts: { EUR: 1900 } });
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
    const { subscriptionId } = await start(harness, {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      timeZone: 'Europe/Berlin',
      testClockTime: '2027-01-31T09:00:00.000Z',
    });
    await settled(harness, subscriptionId, '2027-01-31T09:00:00.000Z');
    const snapshot = await advanceClock(harness, subscriptionId, '2027-05-15T00:00:00.000Z');

    const invoices = await harness.db.orm.em
      .fork()
      .find(Invoice, { subscription: subscriptionId }, { orderBy: { periodIndex: 'asc' } });
    expect(invoices.map((invoice) => invoice.periodStart?.toISOString())).toEqual([
      '2027-01-31T09:00:00.000Z',
      '2027-02-28T09:00:00.000Z',
      '2027-03-31T08:00:00.000Z', // 10:00 in Berlin, which switched to summer time on March 28
      '2027-04-30T08:00:00.000Z',
    ]);
    expect(invoices.map((invoice) => invoice.number)).toEqual([
      '2027-000001',
      '2027-000002',
      '2027-000003',
      '2027-000004',
    ]);
    // 19.00 EUR plus 19 % German VAT.
    expect(
      invoices.map((invoice) => [invoice.subtotal, invoice.taxTotal, invoice.total, invoice.status]),
    ).toEqual(Array(4).fill([1900, 361, 2261, 'paid']));
    expect(snapshot.state).toMatchObject({ status: 'active', periodIndex: 3, renewals: 3 });
    expect(snapshot.state.period).toEqual({
      start: '2027-04-30T08:00:00.000Z',
      end: '2027-05-31T08:00:00.000Z',
    });

    const emails = await harness.db.orm.em
      .fork()
      .find(EmailMessage, { causeKey: { $like: `${subscriptionId}:%` } });
    expect(emails.map((email) => email.kind).sort()).toEqual([
      'receipt',
      'receipt',
      'receipt',
      'receipt',
      'welcome',
    ]);
    const mail = await harness.catcher.waitForMessages(5);
    // The welcome and the first receipt are queued by one commit and may leave the outbox in either order.
    expect(mail.map((message) => message.subject).sort()).toEqual(
      [
        'Willkommen bei Monthly beans',
        ...invoices.map((invoice) => `Zahlungsbestätigung für Rechnung ${invoice.number}`),
      ].sort(),
    );
    const receipts = mail
      .filter((message) => message.subject?.startsWith('Zahlungsbestätigung'))
      .sort((a, b) => String(a.subject).localeCompare(String(b.subject)));
    expect(receipts.map((message) => message.attachments.map((a) => a.filename))).toEqual(
      invoices.map((invoice) => [`Rechnung-${invoice.number}.pdf`]),
    );
  });

  test('starting the same subscription twice returns the running workflow instead of a second one', async () => {
    const plan = await seedPlan(harness.db.orm);
    const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
    const input = {
      customerId: customer.id,
      planId: plan.id,
      currency: 'EUR',
      paymentMethodId,
      testClockTime: '2027-03-01T00:00:00.000Z',
      subscriptionId: 'sub_00000000000000000000beef',
    };
    const first = await start(harness, input);
    const second = await start(harness, input);
    expect(first.alreadyStarted).toBe(false);
    expect(second).toMatchObject({ alreadyStarted: true, workflowId: first.workflowId });
    await settled(harness, first.subscriptionId, '2027-03-01T00:00:00.000Z');
    const runs = [];
    for await (const execution of harness.env.client.workflow.list({
      query: `WorkflowId = '${first.workflowId}'`,
    })) {
      runs.push(execution.runId);
    }
    expect(runs).toHaveLength(1);
    expect(await harness.db.orm.em.fork().count(Invoice, { subscription: first.subscriptionId })).toBe(1);
  });
});
