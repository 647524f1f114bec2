import type { WorkflowHandle } from '@temporalio/client';
import fc from 'fast-check';
import { Invoice, Plan, PlanPrice, Product } from '../../../src/db/entities';
import {
  cancelUpdate,
  pauseUpdate,
  reactivateUpdate,
  resumeUpdate,
  updatePaymentMethodUpdate,
} from '../../../src/workflows/lifecycle/messages';
import {
  attachCard,
  type LifecycleHarness,
  seedCustomer,
  settled,
  start,
  startLifecycleHarness,
} from '../../support/lifecycle';

/**
 * Random sequences of commands, clock advances and payment outcomes drive the real workflow on the time-skipping
 * server; after each step its status and its period invoices are compared with a small reference model of the
 * billing rules. Periods are 10 days and the dunning policy retries after 1 and 2 days, then cancels, so every
 * moment falls on a whole day and the model's arithmetic stays in days.
 */

const DAY = 86_400_000;
const PERIOD_DAYS = 10;
const RETRY_DAYS = [1, 2];

type Status = 'active' | 'past_due' | 'paused' | 'canceled';

interface Model {
  now: number;
  status: Status;
  periodEnd: number;
  cancelAtPeriodEnd: boolean;
  card: 'good' | 'bad';
  /** The open dunning episode: when it began, how many charges failed, when the next retry is. */
  dunning: { firstFailure: number; failures: number; nextRetry: number | null } | null;
  periodInvoices: number;
}

interface Real {
  harness: LifecycleHarness;
  handle: WorkflowHandle;
  subscriptionId: string;
  customerId: string;
}

/** A charge of the model's current card: paid, or the start (or next step) of a dunning episode. */
function charge(model: Model, at: number): void {
  if (model.card === 'good') {
    model.status = 'active';
    model.dunning = null;
    return;
  }
  if (!model.dunning) {
    model.status = 'past_due';
    model.dunning = { firstFailure: at, failures: 1, nextRetry: at + (RETRY_DAYS[0] as number) * DAY };
    return;
  }
  failAgain(model);
}

function failAgain(model: Model): void {
  const dunning = model.dunning as NonNullable<Model['dunning']>;
  dunning.failures += 1;
  const offset = RETRY_DAYS[dunning.failures - 1];
  if (offset === undefined) {
    // Retries exhausted: the policy's final action cancels.
    model.status = 'canceled';
    model.dunning = null;
  } else dunning.nextRetry = dunning.firstFailure + offset * DAY;
}

/** Everything due up to `until`, in the order the workflow handles it (a retry before a renewal at the same time). */
function advanceModel(model: Model, until: number): void {
  for (;;) {
    if (model.status === 'canceled' || model.status === 'paused') break;
    const retry = model.dunning?.nextRetry ?? Infinity;
    const next = Math.min(retry, model.periodEnd);
    if (next > until) break;
    if (retry <= model.periodEnd) {
      // A scheduled retry: the past-due invoice is charged again.
      if (model.card === 'good') {
        model.status = 'active';
        model.dunning = null;
      } else failAgain(model);
      continue;
    }
    const end = model.periodEnd;
    if (model.cancelAtPeriodEnd) {
      model.status = 'canceled';
      model.dunning = null;
      break;
    }
    model.periodEnd = end + PERIOD_DAYS * DAY;
    model.periodInvoices += 1;
    // While an earlier invoice is being collected, the renewal's own charge does not change the episode.
    if (!model.dunning) charge(model, end);
  }
  model.now = until;
}

type Snapshot = Awaited<ReturnType<typeof settled>>;

/** The workflow's state and time once it has caught up with its clock. */
const observe = (real: Real): Promise<Snapshot> => settled(real.harness, real.subscriptionId);

/**
 * Compares, then takes the instants of the real state into the model: the model decides what happens and in which
 * order, but a period that began "now" began at the workflow's now, which the test only knows to the millisecond
 * afterwards.
 */
async function expectAgreement(model: Model, real: Real, snapshot: Snapshot): Promise<void> {
  expect(snapshot.state.status).toBe(model.status);
  const invoices = await real.harness.db.orm.em
    .fork()
    .count(Invoice, { subscription: real.subscriptionId, billingReason: 'subscription_cycle' });
  expect(invoices).toBe(model.periodInvoices);
  model.now = Date.parse(snapshot.clockTime);
  model.periodEnd = Date.parse(snapshot.state.period.end);
  if (model.dunning && snapshot.state.dunning) {
    model.dunning.firstFailure = Date.parse(snapshot.state.dunning.firstFailureAt);
    const retry = snapshot.state.dunning.nextRetryAt;
    model.dunning.nextRetry = retry ? Date.parse(retry) : null;
  }
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly days: number) {}
  check = (model: Readonly<Model>) => model.status !== 'canceled';
  async run(model: Model, real: Real) {
    await real.harness.env.sleep(this.days * DAY);
    const snapshot = await observe(real);
    advanceModel(model, Date.parse(snapshot.clockTime));
    await expectAgreement(model, real, snapshot);
  }
  toString = () => `advance ${this.days}d`;
}

class SetCard implements fc.AsyncCommand<Model, Real> {
  constructor(readonly card: 'good' | 'bad') {}
  check = (model: Readonly<Model>) => model.status !== 'canceled' && model.card !== this.card;
  async run(model: Model, real: Real) {
    const token = this.card === 'good' ? 'tok_visa' : 'tok_chargeDeclinedInsufficientFunds';
    const customer = { id: real.customerId } as Parameters<typeof attachCard>[1];
    const paymentMethodId = await attachCard(real.harness, customer, token);
    await real.handle.executeUpdate(updatePaymentMethodUpdate, { args: [{ paymentMethodId }] });
    model.card = this.card;
    // A new payment method retries a past-due invoice at once.
    if (model.status === 'past_due') {
      if (model.card === 'good') {
        model.status = 'active';
        model.dunning = null;
      } else failAgain(model);
    }
    await expectAgreement(model, real, await observe(real));
  }
  toString = () => `card ${this.card}`;
}

class Pause implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) => model.status === 'active';
  async run(model: Model, real: Real) {
    await real.handle.executeUpdate(pauseUpdate, { args: [{ at: 'immediately' }] });
    model.status = 'paused';
    await expectAgreement(model, real, await observe(real));
  }
  toString = () => 'pause';
}

class Resume implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) => model.status === 'paused';
  async run(model: Model, real: Real) {
    await real.handle.executeUpdate(resumeUpdate, { args: [] });
    const snapshot = await observe(real);
    // A new period starts now and is invoiced at once. The pause credited its unused time to the customer's
    // balance; when that credit covers the new invoice (a pause right after the period began), nothing is charged.
    model.periodInvoices += 1;
    model.dunning = null;
    const [invoice] = await real.harness.db.orm.em
      .fork()
      .find(
        Invoice,
        { subscription: real.subscriptionId, billingReason: 'subscription_cycle' },
        { orderBy: { createdAt: 'desc' }, limit: 1 },
      );
    if (invoice?.amountDue === 0) {
      model.status = 'active';
      expect(invoice.creditApplied).toBeGreaterThan(0);
    } else charge(model, Date.parse(snapshot.state.anchor));
    await expectAgreement(model, real, snapshot);
  }
  toString = () => 'resume';
}

class CancelAtPeriodEnd implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) =>
    (model.status === 'active' || model.status === 'past_due') && !model.cancelAtPeriodEnd;
  async run(model: Model, real: Real) {
    await real.handle.executeUpdate(cancelUpdate, { args: [{ at: 'period_end' }] });
    model.cancelAtPeriodEnd = true;
    await expectAgreement(model, real, await observe(real));
  }
  toString = () => 'cancel at period end';
}

class Reactivate implements fc.AsyncCommand<Model, Real> {
  check = (model: Readonly<Model>) => model.cancelAtPeriodEnd && model.status !== 'canceled';
  async run(model: Model, real: Real) {
    await real.handle.executeUpdate(reactivateUpdate, { args: [] });
    model.cancelAtPeriodEnd = false;
    await expectAgreement(model, real, await observe(real));
  }
  toString = () => 'reactivate';
}

describe('lifecycle: a model of the billing rules against the workflow on the time-skipping server', () => {
  let harness: LifecycleHarness;
  let planId: string;

  beforeAll(async () => {
    harness = await startLifecycleHarness({
      server: 'time-skipping',
      dunningPolicy: {
        retryOffsetsDays: RETRY_DAYS,
        notices: ['payment_failed', 'reminder'],
        finalAction: 'cancel',
      },
    });
    const em = harness.db.orm.em.fork();
    const plan = em.create(Plan, {
      product: em.create(Product, { name: 'Ten-day beans' }),
      name: 'Every ten days',
      intervalUnit: 'day',
      intervalCount: PERIOD_DAYS,
      pricingModel: 'per_unit',
    });
    em.create(PlanPrice, { plan, currency: 'EUR', scheme: { model: 'per_unit', unitAmount: 1000 } });
    await em.flush();
    planId = plan.id;
  });

  afterAll(async () => {
    await harness?.close();
  });

  test('property: status and period invoices agree with the model after every command', async () => {
    const commands = fc.commands(
      [
        fc.integer({ min: 1, max: 12 }).map((days) => new Advance(days)),
        fc.constantFrom<'good' | 'bad'>('good', 'bad').map((card) => new SetCard(card)),
        fc.constant(new Pause()),
        fc.constant(new Resume()),
        fc.constant(new CancelAtPeriodEnd()),
        fc.constant(new Reactivate()),
      ],
      { maxCommands: 8 },
    );
    await fc.assert(
      fc.asyncProperty(commands, async (sequence) => {
        const { customer, paymentMethodId } = await seedCustomer(harness, 'tok_visa');
        const { subscriptionId, handle } = await start(harness, {
          customerId: customer.id,
          planId,
          currency: 'EUR',
          paymentMethodId,
        });
        const opened = await settled(harness, subscriptionId);
        const now = Date.parse(opened.state.anchor);
        const model: Model = {
          now,
          status: 'active',
          periodEnd: now + PERIOD_DAYS * DAY,
          cancelAtPeriodEnd: false,
          card: 'good',
          dunning: null,
          periodInvoices: 1,
        };
        const real: Real = { harness, handle, subscriptionId, customerId: customer.id };
        await expectAgreement(model, real, opened);
        await fc.asyncModelRun(() => ({ model, real }), sequence);
      }),
      {
        numRuns: 6,
        endOnFailure: true,
        // One CI run hung in a sequence for the whole test timeout, and jest reported no sequence. Bounded, a run that
        // stalls fails with its commands and seed, for a replay.
        plugins: [fc.timeout(60_000)],
        // Found by a CI run: a pause at the period's start credits the whole period, which pays the resume's invoice.
        examples: [[[new Pause(), new Advance(9), new SetCard('bad'), new Resume()]]],
      },
    );
  });
});
