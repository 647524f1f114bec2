import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChargeOutcome, ChangeInvoice } from '../../activities/lifecycle.contract';
import type { Moment, SubscriptionItem, SubscriptionState } from './state';

/**
 * Every message of the subscription lifecycle workflow, shared by the workflow and the API (no string names at call
 * sites). Commands are updates with validators, outside facts are signals, reads are queries.
 */

export interface SubscriptionSnapshot {
  state: SubscriptionState;
  next: Moment | null;
  /** The workflow's current time (the test clock's time under a test clock). */
  clockTime: string;
  /** True when nothing is running and nothing is due at `clockTime`: a test clock has been caught up with. */
  caughtUp: boolean;
}

export interface CancelCommand {
  at: 'period_end' | 'immediately';
  /** What happens to the unused part of a paid period on an immediate cancel. */
  unused?: 'refund' | 'credit' | 'none';
  reason?: string;
}

export interface PauseCommand {
  at: 'immediately' | 'period_end';
  resumesAt?: string | null;
}

export type ChangeTiming = 'immediately' | 'period_end';
export type ProrationBehavior = 'always_invoice' | 'create_prorations' | 'none';

/**
 * One edit of the subscription's items, priced by the API from the catalogue (plans' prices are immutable, so an
 * item's amount at a quantity never goes stale). `expectedPlanId` names the plan the caller saw: an item changed
 * meanwhile by another command is refused instead of overwritten.
 */
export type ItemOperation =
  | { op: 'add'; item: SubscriptionItem }
  | { op: 'set'; itemId: string; expectedPlanId: string; item: SubscriptionItem }
  | { op: 'remove'; itemId: string; expectedPlanId: string };

export interface ChangeCommand {
  operations: ItemOperation[];
  /** Default by direction: an upgrade (or another interval) now, a downgrade or equal amount at period end. */
  timing?: ChangeTiming;
  /** Default `always_invoice`: the proration is invoiced and charged at once. */
  proration?: ProrationBehavior;
}

export interface PaymentMethodCommand {
  paymentMethodId: string;
}

export interface CouponCommand {
  couponId: string;
}

/** Names one of this subscription's open invoices. */
export interface InvoiceCommand {
  invoiceId: string;
}

export interface PaymentFact {
  invoiceId: string;
  chargeId: string;
  amount?: number;
}

/** A gateway's dispute over a charge of one of this subscription's invoices reached its outcome. */
export interface DisputeFact {
  disputeId: string;
  invoiceId: string;
  /** Minor units the card issuer took back (lost) or returned (won). */
  amount: number;
  currency: string;
  /** What the gateway charged for the dispute, when it reported a fee; billed to the customer on a lost dispute. */
  feeAmount: number | null;
  outcome: 'won' | 'lost';
}

/** A change answers with the resulting state and, for an immediate one, the invoice its proration produced. */
export interface ChangeResult extends SubscriptionSnapshot {
  invoice: ChangeInvoice | null;
}

/** A payment answers with the attempt it made (null when nothing was left to charge). */
export interface PayResult extends SubscriptionSnapshot {
  charge: ChargeOutcome | null;
}

/**
 * Answers once the subscription has opened (its trial begun, or its first invoice charged or declined): sent with
 * the workflow's start (update-with-start), so creating a subscription needs no polling.
 */
export const openedUpdate = defineUpdate<SubscriptionSnapshot, []>('opened');
export const cancelUpdate = defineUpdate<SubscriptionSnapshot, [CancelCommand]>('cancel');
export const reactivateUpdate = defineUpdate<SubscriptionSnapshot, []>('reactivate');
export const pauseUpdate = defineUpdate<SubscriptionSnapshot, [PauseCommand]>('pause');
export const resumeUpdate = defineUpdate<SubscriptionSnapshot, []>('resume');
export const changeUpdate = defineUpdate<ChangeResult, [ChangeCommand]>('changeItems');
export const applyCouponUpdate = defineUpdate<SubscriptionSnapshot, [CouponCommand]>('applyCoupon');
export const removeDiscountUpdate = defineUpdate<SubscriptionSnapshot, [CouponCommand]>('removeDiscount');
export const cancelScheduledChangeUpdate = defineUpdate<SubscriptionSnapshot, []>('cancelScheduledChange');
export const updatePaymentMethodUpdate = defineUpdate<PayResult, [PaymentMethodCommand]>(
  'updatePaymentMethod',
);
/**
 * Invoice actions go through the workflow that charges the invoice, so that a void can never race a charge and a
 * manual retry takes the same path as a scheduled one.
 */
export const voidInvoiceUpdate = defineUpdate<SubscriptionSnapshot, [InvoiceCommand]>('voidInvoice');
export const payInvoiceUpdate = defineUpdate<PayResult, [InvoiceCommand]>('payInvoice');
/** An operator fixed what stopped a timed moment (`state.attention`): the workflow tries it again. */
export const retryAttentionUpdate = defineUpdate<SubscriptionSnapshot, []>('retryAttention');
/** Answered by version 1 runs only (`legacy/`); a current run has nothing to upgrade. */
export const upgradeSchemaUpdate = defineUpdate<unknown, []>('upgradeSchema');

export const paymentSucceededSignal = defineSignal<[PaymentFact]>('paymentSucceeded');
export const paymentFailedSignal = defineSignal<[PaymentFact & { declineCode?: string }]>('paymentFailed');
export const paymentRefundedSignal = defineSignal<[PaymentFact]>('paymentRefunded');
export const paymentDisputedSignal = defineSignal<[PaymentFact]>('paymentDisputed');
/** Sent after the dispute's row and, when lost, the reopened invoice are committed. */
export const disputeClosedSignal = defineSignal<[DisputeFact]>('disputeClosed');
/** A test clock moved: the workflow catches up with everything due up to `frozenTime`. */
export const testClockAdvancedSignal = defineSignal<[{ frozenTime: string }]>('testClockAdvanced');

export const getSubscriptionQuery = defineQuery<SubscriptionSnapshot>('getSubscription');

/** Failure types of rejected commands; the API maps them to HTTP statuses without reading messages. */
export const CommandRejection = {
  invalidState: 'InvalidSubscriptionState',
  invalidArgument: 'InvalidCommandArgument',
  /** The subscription is still catching up with its test clock: the same command may succeed a moment later. */
  busy: 'SubscriptionBusy',
} as const;

export type CommandRejectionType = (typeof CommandRejection)[keyof typeof CommandRejection];

export const lifecycleWorkflowIdFor = (subscriptionId: string): string => `subscription-${subscriptionId}`;
