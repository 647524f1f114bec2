import type { EmailKind } from '../mail/templates/types';
import type {
  BillingInterval,
  BillingPeriod,
  PeriodPlan,
  PlanRef,
  SubscriptionState,
} from '../workflows/lifecycle/legacy/state-v1';

/**
 * What the lifecycle workflow asks of the outside world. Types only, so workflow code can depend on it without
 * pulling activity implementations into the sandbox.
 */

export interface PlanPeriodRequest {
  anchor: string;
  interval: BillingInterval;
  index: number;
  timeZone: string;
}

export interface DunningStepRequest {
  failedAttempts: number;
  firstFailureAt: string;
  timeZone: string;
}

export type DunningDecision =
  | { type: 'retry'; retryAt: string; notice: NotificationKind }
  | { type: 'final'; action: 'cancel' | 'unpaid' | 'pause' };

export interface PeriodInvoiceRequest {
  subscriptionId: string;
  customerId: string;
  periodIndex: number;
  period: BillingPeriod;
  plan: PlanRef;
  quantity: number;
  currency: string;
}

export interface OpenedInvoice {
  invoiceId: string;
  number: string;
  amountDue: number;
}

export interface ChangeInvoiceRequest {
  subscriptionId: string;
  customerId: string;
  currency: string;
  /** Names the change; the same key never produces a second invoice. */
  changeKey: string;
  /** The plan after the change: its tax behaviour applies to the proration lines. */
  planId: string;
  period: BillingPeriod;
  at: string;
  current: { description: string; amount: number };
  next: { description: string; amount: number };
}

export interface ChangeInvoice extends OpenedInvoice {
  lines: { kind: string; description: string; amount: number; periodStart?: string; periodEnd?: string }[];
}

export interface ChargeRequest {
  subscriptionId: string;
  invoiceId: string;
  /** 1 for the first try; part of the idempotency key so a retried activity never charges twice. */
  attempt: number;
  paymentMethodId: string | null;
}

export type ChargeOutcome =
  { outcome: 'paid'; chargeId: string | null } | { outcome: 'declined'; declineCode: string };

export interface UnusedPeriodRequest {
  subscriptionId: string;
  periodIndex: number;
  customerId: string;
  currency: string;
  period: BillingPeriod;
  at: string;
  disposition: 'refund' | 'credit' | 'none';
  /** Names the cause so that a retried activity settles it once. */
  causeKey: string;
}

export interface RedeemCouponRequest {
  subscriptionId: string;
  couponId: string;
  planId: string;
  currency: string;
  at: string;
  /** The first period whose invoice the discount reduces. */
  startPeriodIndex: number;
}

export type RedeemCouponOutcome = { redeemed: true } | { redeemed: false; reason: string };

/** Every lifecycle email has a template of the same kind. */
export type NotificationKind = EmailKind;

export interface NotificationRequest {
  kind: NotificationKind;
  /** Unique per cause: the same cause never produces a second email. */
  cause: string;
  /** The subscription as the workflow sees it when the email is due; the activity reads the rest from the database. */
  state: SubscriptionState;
  invoiceId?: string;
  previousPlanId?: string;
  finalAction?: 'cancel' | 'unpaid' | 'pause';
}

export interface DomainEventRequest {
  subscriptionId: string;
  type: string;
  /** Deterministic per transition, so a retried activity appends the event once. */
  eventKey: string;
  data: Record<string, unknown>;
}

export interface VoidInvoiceRequest {
  invoiceId: string;
  /** Only an invoice of this subscription is voided. */
  subscriptionId: string;
}

export type VoidInvoiceOutcome = { voided: true } | { voided: false; reason: string };

export interface LegacyLifecycleActivities {
  planPeriod(request: PlanPeriodRequest): Promise<PeriodPlan>;
  planDunningStep(request: DunningStepRequest): Promise<DunningDecision>;
  openPeriodInvoice(request: PeriodInvoiceRequest): Promise<OpenedInvoice>;
  chargeInvoice(request: ChargeRequest): Promise<ChargeOutcome>;
  markInvoiceUncollectible(request: { invoiceId: string }): Promise<void>;
  voidInvoice(request: { invoiceId: string }): Promise<void>;
  voidOpenInvoice(request: VoidInvoiceRequest): Promise<VoidInvoiceOutcome>;
  settleUnusedPeriod(request: UnusedPeriodRequest): Promise<{ credited: number; refunded: number }>;
  invoiceChange(request: ChangeInvoiceRequest): Promise<ChangeInvoice | null>;
  redeemCoupon(request: RedeemCouponRequest): Promise<RedeemCouponOutcome>;
  projectSubscription(request: { state: SubscriptionState }): Promise<void>;
  recordEvent(request: DomainEventRequest): Promise<void>;
  notify(request: NotificationRequest): Promise<void>;
}
