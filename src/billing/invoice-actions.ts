import {
  ApplicationFailure,
  type Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { Invoice, type InvoiceStatus, PaymentAttempt, Subscription } from '../db/entities';
import type { Orm } from '../db/orm.config';
import { StoreError } from '../db/services/errors';
import { appendDomainEvent } from '../db/services/events';
import { closeInvoice } from '../db/services/invoice-status';
import { withUpdateRetries } from '../subscriptions/commands';
import { CommandRejection, payInvoiceUpdate, voidInvoiceUpdate } from '../workflows/lifecycle/messages';

export interface InvoiceActionDeps {
  orm: Orm;
  client: Client;
}

/** The refusal of an invoice that is not open, named by the status it has instead. */
const notOpen: Record<
  Exclude<InvoiceStatus, 'open'>,
  'invoice_draft' | 'invoice_paid' | 'invoice_void' | 'invoice_uncollectible'
> = {
  draft: 'invoice_draft',
  paid: 'invoice_paid',
  void: 'invoice_void',
  uncollectible: 'invoice_uncollectible',
};

/** Only an open invoice can be voided or paid; every other status is final or not issued yet. */
function assertOpen(invoice: Invoice, action: 'voided' | 'paid'): void {
  if (invoice.status === 'open') return;
  // An uncollectible invoice can still be paid: that is how an `unpaid` subscription recovers.
  if (action === 'paid' && invoice.status === 'uncollectible') return;
  throw new StoreError(
    notOpen[invoice.status],
    `Invoice ${invoice.id} is ${invoice.status}; only an open invoice can be ${action}`,
  );
}

async function openInvoice(deps: InvoiceActionDeps, invoiceId: string, action: 'voided' | 'paid') {
  const em = deps.orm.em.fork();
  const invoice = await em.findOne(Invoice, invoiceId);
  if (!invoice) throw new StoreError('not_found', `No such invoice: ${invoiceId}`, 'id');
  assertOpen(invoice, action);
  const workflowId = invoice.subscription
    ? (await em.findOneOrFail(Subscription, invoice.subscription.id)).workflowId
    : null;
  return { invoice, workflowId };
}

/**
 * The workflow's refusal of an invoice action, as the invoice's: its state (it is not the invoice dunning collects)
 * or being busy with a test clock is `invoice_not_actionable`; a wrong argument stays the workflow's 422.
 */
function asInvoiceRefusal(error: unknown): unknown {
  if (
    error instanceof WorkflowUpdateFailedError &&
    error.cause instanceof ApplicationFailure &&
    error.cause.type !== CommandRejection.invalidArgument
  ) {
    return new StoreError('invoice_not_actionable', error.cause.message);
  }
  return error;
}

/**
 * Voids an open invoice. A subscription's invoice is voided by its workflow (the only writer that charges it), so a
 * void never races a charge; an invoice without a running workflow (none, or ended) directly, with its event, in one
 * transaction.
 */
export async function voidOpenInvoice(deps: InvoiceActionDeps, invoiceId: string): Promise<void> {
  const { invoice, workflowId } = await openInvoice(deps, invoiceId, 'voided');
  if (workflowId) {
    try {
      await withUpdateRetries(() =>
        deps.client.workflow
          .getHandle(workflowId)
          // One update id per invoice: two voids racing past the open check become one update and one event.
          .executeUpdate(voidInvoiceUpdate, {
            args: [{ invoiceId: invoice.id }],
            updateId: `void:${invoice.id}`,
          }),
      );
      return;
    } catch (error) {
      // The subscription's workflow has ended: nothing will ever charge this invoice again, so it is voided here.
      if (!(error instanceof WorkflowNotFoundError)) throw asInvoiceRefusal(error);
    }
  }
  // One transaction, so that a void is never left without its event (and webhooks) by a failure between them.
  await deps.orm.em.fork().transactional(async (tx) => {
    try {
      await closeInvoice(tx, invoice.id, 'void');
    } catch (error) {
      if (!(error instanceof StoreError) || error.code !== 'invalid_state') throw error;
      // Closed meanwhile: refused by the status it has now.
      assertOpen(await tx.findOneOrFail(Invoice, invoice.id, { refresh: true }), 'voided');
    }
    await appendDomainEvent(tx, {
      key: `${invoice.id}:voided`,
      type: 'invoice.voided',
      ...(invoice.subscription ? { subscriptionId: invoice.subscription.id } : {}),
      customerId: invoice.customer.id,
      data: { invoiceId: invoice.id },
      occurredAt: new Date().toISOString(),
    });
  });
}

/**
 * Runs the subscription's payment retry for an open invoice now, through its workflow. Returns the attempt it made
 * (declined or not), or null when the workflow made none.
 */
export async function collectOpenInvoice(
  deps: InvoiceActionDeps,
  invoiceId: string,
): Promise<PaymentAttempt | null> {
  const { invoice, workflowId } = await openInvoice(deps, invoiceId, 'paid');
  if (!workflowId) {
    throw new StoreError(
      'invoice_not_collectible',
      `Invoice ${invoice.id} has no subscription that charges it`,
    );
  }
  const em = deps.orm.em.fork();
  const before = await em.count(PaymentAttempt, { invoice: invoice.id });
  try {
    const updateId = randomUUID();
    await withUpdateRetries(() =>
      deps.client.workflow
        .getHandle(workflowId)
        .executeUpdate(payInvoiceUpdate, { args: [{ invoiceId: invoice.id }], updateId }),
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new StoreError('subscription_ended', `The subscription of invoice ${invoice.id} has ended`);
    }
    throw asInvoiceRefusal(error);
  }
  const attempts = await em.find(
    PaymentAttempt,
    { invoice: invoice.id },
    { orderBy: { attempt: 'desc' }, populate: ['invoice'], refresh: true },
  );
  return attempts.length > before ? (attempts[0] ?? null) : null;
}
