import { IdempotencyRecord, PaymentAttempt } from '../../../src/db/entities';
import { type ApiStack, startApiStack } from '../../support/api-stack';
import { type Body, ClockApi } from '../../support/clock-api';

/**
 * Commands sent together on the real stack (API, dev server, worker, PostgreSQL): each command's rule is checked
 * again inside the workflow's lock after everything due has been handled, so the answers and the invoices always
 * agree. Every scenario runs several times; a race shows itself in some runs, never in none.
 */
describe('commands that cannot race', () => {
  let stack: ApiStack;
  let api: ClockApi;
  let planId: string;

  beforeAll(async () => {
    stack = await startApiStack('races');
    api = new ClockApi(stack);
    await api.seller();
    planId = await api.plan('Race beans', { amounts: { EUR: 3000 } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const T0 = '2027-06-01T00:00:00.000Z';
  const TRIES = Number(process.env.RACE_TRIES ?? 4);

  async function subscribed(): Promise<{ clock: string; id: string }> {
    const clock = await api.clock(T0);
    const customer = await api.customer(clock);
    const subscription = await api.ok('POST', '/v1/subscriptions', {
      customer_id: customer,
      plan_id: planId,
    });
    return { clock, id: String(subscription.id) };
  }

  const later = <T>(ms: number, work: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => setTimeout(() => work().then(resolve, reject), ms));

  test('two resumes sent together: one is answered, the other refused; one new period, one invoice', async () => {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const { clock, id } = await subscribed();
      await api.ok('POST', `/v1/subscriptions/${id}/pause`, { at: 'immediately' });
      await api.advance(clock, '2027-06-10T00:00:00.000Z');
      const answers = await Promise.all([
        api.call('POST', `/v1/subscriptions/${id}/resume`, {}),
        api.call('POST', `/v1/subscriptions/${id}/resume`, {}),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      const refused = answers.find((answer) => answer.status === 409);
      expect((refused?.body.error as Body).message).toMatch(/Only a paused subscription can be resumed/);
      await api.untilReady(clock);
      const invoices = await api.invoices(id);
      expect(invoices.map((invoice) => invoice.period_start)).toEqual([T0, '2027-06-10T00:00:00.000Z']);
      // The pause credited the unused period, which pays the resumed period's invoice: no second charge either.
      expect(await stack.db.orm.em.fork().count(PaymentAttempt, { invoice: { subscription: id } })).toBe(1);
    }
  });

  test('a pause and a clock advance past the period end sent together: paused, and a renewal invoice only when the advance acted first', async () => {
    const ADVANCED = '2027-07-05T00:00:00.000Z';
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const { clock, id } = await subscribed();
      const [paused] = await Promise.all([
        api.call('POST', `/v1/subscriptions/${id}/pause`, { at: 'immediately' }),
        later(50, () => api.call('POST', `/v1/test_clocks/${clock}/advance`, { frozen_time: ADVANCED })),
      ]);
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ status: 'paused' });
      // The pause usually reaches the workflow first (the advance leaves 50 ms later), but on a loaded machine the
      // advance can overtake it; either order is a correct outcome so long as the answer and the invoices agree.
      const since = (paused.body.pause as Body).since;
      expect([T0, ADVANCED]).toContain(since);
      await api.untilReady(clock);
      expect(await api.subscription(id)).toMatchObject({ status: 'paused' });
      const periods = (await api.invoices(id)).map((invoice) => invoice.period_start);
      expect(periods).toEqual(since === T0 ? [T0] : [T0, '2027-07-01T00:00:00.000Z']);
    }
  });

  test('a cancel racing the renewal it falls beside: whichever acts first, nothing is charged after the cancellation', async () => {
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const { clock, id } = await subscribed();
      await api.advance(clock, '2027-06-30T23:59:00.000Z');
      const [canceled] = await Promise.all([
        api.call('POST', `/v1/subscriptions/${id}/cancel`, { at: 'immediately' }),
        api.call('POST', `/v1/test_clocks/${clock}/advance`, { frozen_time: '2027-07-01T00:01:00.000Z' }),
      ]);
      expect(canceled).toMatchObject({ status: 200 });
      await api.untilReady(clock);
      const subscription = await api.subscription(id);
      expect(subscription.status).toBe('canceled');
      const canceledAt = Date.parse(String(subscription.canceled_at));
      const attempts = await stack.db.orm.em.fork().find(PaymentAttempt, { invoice: { subscription: id } });
      expect(attempts.every((payment) => (payment.completedAt?.getTime() ?? 0) <= canceledAt)).toBe(true);
      const invoices = await api.invoices(id);
      expect(invoices.every((invoice) => Date.parse(String(invoice.finalized_at)) <= canceledAt)).toBe(true);
    }
  });

  test('a retried command with the same Idempotency-Key never runs twice, even when its stored answer is gone', async () => {
    const { clock, id } = await subscribed();
    await api.ok('POST', `/v1/subscriptions/${id}/pause`, { at: 'immediately' });
    const key = { 'Idempotency-Key': `resume-${id}` };
    const first = await api.ok('POST', `/v1/subscriptions/${id}/resume`, {}, key);
    // As if the API had crashed after the workflow answered: the claim is gone, the workflow update is not.
    await stack.db.orm.em.fork().nativeDelete(IdempotencyRecord, { key: key['Idempotency-Key'] });
    const again = await api.call('POST', `/v1/subscriptions/${id}/resume`, {}, key);
    // The same update id within the run answers the first outcome; after the run continued as new, the rule
    // refuses the second resume. Either way no second period starts.
    if (again.status === 200) expect(again.body.current_period_start).toBe(first.current_period_start);
    else expect(again.status).toBe(409);
    await api.untilReady(clock);
    expect(await api.invoices(id)).toHaveLength(2);
  });
});
