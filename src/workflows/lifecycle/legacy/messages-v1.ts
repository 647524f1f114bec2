import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChangeInvoice } from '../../../activities/legacy.contract';
import type { Moment, PlanRef, SubscriptionState } from './state-v1';

/**
 * The messages as schema version 1 runs know them: the same names as `../messages.ts`, with the shapes those runs
 * were started with. Kept only so that runs started before the item model replay and finish their period.
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

export interface ChangeCommand {
  /** Resolved by the API from the plan catalogue: the price in this subscription's currency. */
  plan: PlanRef & { currency: string };
  quantity: number;
  timing: 'immediately' | 'period_end';
}

export interface PaymentMethodCommand {
  paymentMethodId: string;
}

export interface ApplyCouponCommand {
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

export const cancelUpdate = defineUpdate<SubscriptionSnapshot, [CancelCommand]>('cancel');
export const reactivateUpdate = defineUpdate<SubscriptionSnapshot, []>('reactivate');
export const pauseUpdate = defineUpdate<SubscriptionSnapshot, [PauseCommand]>('pause');
export const resumeUpdate = defineUpdate<SubscriptionSnapshot, []>('resume');
/** A change answers with the resulting state and, for an immediate one, the invoice its proration produced. */
export interface ChangeResult extends SubscriptionSnapshot {
  invoice: ChangeInvoice | null;
}

export const changeUpdate = defineUpdate<ChangeResult, [ChangeCommand]>('change');
export const applyCouponUpdate = defineUpdate<SubscriptionSnapshot, [ApplyCouponCommand]>('applyCoupon');
export const cancelScheduledChangeUpdate = defineUpdate<SubscriptionSnapshot, []>('cancelScheduledChange');
export const updatePaymentMethodUpdate = defineUpdate<SubscriptionSnapshot, [PaymentMethodCommand]>(
  'updatePaymentMethod',
);
/**
 * Invoice actions go through the workflow that charges the invoice, so that a void can never race a charge and a
 * manual retry takes the same path as a scheduled one.
 */
export const voidInvoiceUpdate = defineUpdate<SubscriptionSnapshot, [InvoiceCommand]>('voidInvoice');
export const payInvoiceUpdate = defineUpdate<SubscriptionSnapshot, [InvoiceCommand]>('payInvoice');

/** Asks a version 1 run to continue as new in the current schema (see `runLegacyLifecycle`). */
export const upgradeSchemaUpdate = defineUpdate<SubscriptionSnapshot, []>('upgradeSchema');

export const paymentSucceededSignal = defineSignal<[PaymentFact]>('paymentSucceeded');
export const paymentFailedSignal = defineSignal<[PaymentFact & { declineCode?: string }]>('paymentFailed');
export const paymentRefundedSignal = defineSignal<[PaymentFact]>('paymentRefunded');
export const paymentDisputedSignal = defineSignal<[PaymentFact]>('paymentDisputed');
/** A test clock moved: the workflow catches up with everything due up to `frozenTime`. */
export const testClockAdvancedSignal = defineSignal<[{ frozenTime: string }]>('testClockAdvanced');

export const getSubscriptionQuery = defineQuery<SubscriptionSnapshot>('getSubscription');

/** Failure types of rejected commands; the API maps them to HTTP statuses without reading messages. */
export const CommandRejection = {
  invalidState: 'InvalidSubscriptionState',
  invalidArgument: 'InvalidCommandArgument',
} as const;

export const lifecycleWorkflowIdFor = (subscriptionId: string): string => `subscription-${subscriptionId}`;
