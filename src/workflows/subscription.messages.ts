import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * Message definitions shared by the workflow and the API: callers never use string names.
 * Everything here is plain JSON (no Date, Map or bigint) so it survives continue-as-new and history encoding.
 */
export type SubscriptionStatus = 'active' | 'paused' | 'canceled';

export interface BillingInterval {
  unit: 'day' | 'week' | 'month' | 'year';
  count: number;
}

export interface BillingPeriod {
  start: string;
  end: string;
}

export interface SubscriptionWorkflowInput {
  subscriptionId: string;
  customerId: string;
  planId: string;
  email: string;
  /** ISO-8601 UTC instant that every period boundary is computed from. */
  anchor: string;
  interval: BillingInterval;
  timeZone: string;
  periodIndex: number;
  /** Boundaries of period `periodIndex`, computed outside workflow code (they depend on time-zone data). */
  period: BillingPeriod;
  status: SubscriptionStatus;
  /** Renewals completed by earlier runs of this workflow chain. */
  renewals: number;
  cancelReason?: string;
}

export interface SubscriptionView {
  subscriptionId: string;
  customerId: string;
  planId: string;
  status: SubscriptionStatus;
  periodIndex: number;
  currentPeriodStart: string;
  currentPeriodEnd: string;
  renewals: number;
  cancelReason: string | null;
}

export interface CancelRequest {
  reason?: string;
}

export const getStateQuery = defineQuery<SubscriptionView>('getState');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');

export const workflowIdFor = (subscriptionId: string): string => `subscription-${subscriptionId}`;
