import type { EmailKind } from '../mail/templates/types';
import type {
  BillingInterval,
  BillingPeriod,
  PeriodPlan,
  SubscriptionItem,
  SubscriptionState,
} from '../workflows/lifecycle/state';

/**
 * What the lifecycle workflow asks of the outside world. Types only, so workflow code can depend on it without
 * pulling activity implementations into the sandbox.
 *
 * A step that moves money is one activity (plan the period, invoice it, charge it); a transition is recorded by one
 * transactional activity (`commitTransition`: read model, domain events, emails, invoice closes, coupons, pending
 * items, revenue movements). Every write is idempotent by a business key, so any activity may run again.
 */

export { ActivityFailureType } from '../workflows/failure-types';

export type NotificationKind = EmailKind;

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

/** Where a decline would leave the dunning episode, so the charging activity can plan its next step at once. */
export interface DunningContext {
  failedAttempts: number;
  firstFailureAt: string;
  timeZone: string;
}

export type ChargeOutcome =
  | { outcome: 'paid'; chargeId: string | null; attempt: number }
  | {
      outcome: 'declined';
      declineCode: string;
      /** No retry of the same payment method can succeed (expired, lost, stolen card …). */
      hard: boolean;
      attempt: number;
      dunning: DunningDecision;
    };

export interface OpenedInvoice {
  invoiceId: string;
  number: string;
  total: number;
  amountDue: number;
}

export interface BillPeriodRequest {
  subscriptionId: string;
  customerId: string;
  currency: string;
  timeZone: string;
  items: SubscriptionItem[];
  /** Keys the invoice: a retried activity finds the one it created. */
  periodIndex: number;
  /** The period itself when already known (the first one, computed at start); else computed from `calendar`. */
  period: BillingPeriod | null;
  calendar: { anchor: string; interval: BillingInterval; index: number };
  /** Usage of metered items not yet invoiced, billed in arrears on this invoice. */
  usageWindow: BillingPeriod | null;
  /** The unused part of the period before this one, credited on this invoice (an interval change). */
  credit: { items: SubscriptionItem[]; period: BillingPeriod; at: string } | null;
  /** Licensed items are billed for the period; false for a final invoice that bills usage only. */
  licensed: boolean;
  /** Without a payment method nothing is invoiced and the answer says so (the end of a trial). */
  requirePaymentMethod: boolean;
  paymentMethodId: string | null;
  /** The workflow's time (a test clock's under a test clock): every instant recorded comes from it. */
  at: string;
  dunning: DunningContext;
}

export type BillPeriodResult =
  | { billed: false; reason: 'no_payment_method' | 'nothing_to_bill'; plan: PeriodPlan }
  | {
      billed: true;
      plan: PeriodPlan;
      invoice: OpenedInvoice;
      charge: ChargeOutcome | null;
      /** Items whose setup fee this invoice carries. */
      setupFeesBilled: string[];
    };

export interface ProrationLineDraft {
  itemId: string;
  kind: 'proration_credit' | 'proration_charge';
  description: string;
  amount: number;
  periodStart: string;
  periodEnd: string;
}

export interface BillChangeRequest {
  subscriptionId: string;
  customerId: string;
  currency: string;
  timeZone: string;
  /** Names the change; the same key never produces a second invoice. */
  changeKey: string;
  period: BillingPeriod;
  at: string;
  before: SubscriptionItem[];
  after: SubscriptionItem[];
  /** `always_invoice` invoices and charges now; `create_prorations` only computes the lines (pending items). */
  proration: 'always_invoice' | 'create_prorations';
  paymentMethodId: string | null;
  dunning: DunningContext;
}

export interface ChangeInvoice extends OpenedInvoice {
  lines: { kind: string; description: string; amount: number; periodStart?: string; periodEnd?: string }[];
}

export interface BillChangeResult {
  lines: ProrationLineDraft[];
  /** Set for `always_invoice` when the lines are not all zero. */
  invoice: ChangeInvoice | null;
  charge: ChargeOutcome | null;
  /** Items whose setup fee the change invoice carries. */
  setupFeesBilled: string[];
}

export interface CollectRequest {
  subscriptionId: string;
  invoiceId: string;
  /** Part of the idempotency key so a retried activity never charges twice. */
  attempt: number;
  paymentMethodId: string | null;
  at: string;
  dunning: DunningContext;
}

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

export interface EventDraft {
  /** Deterministic per transition (`<subscription>:<sequence>`), so a retried commit appends it once. */
  key: string;
  type: string;
  data: Record<string, unknown>;
}

export interface EmailDraft {
  kind: NotificationKind;
  /** Unique per cause: the same cause never produces a second email. */
  cause: string;
  invoiceId?: string;
  /** The items before a change, for the plan-changed email. */
  previousItems?: SubscriptionItem[];
  /** A hard decline asks for a new payment method instead of announcing a retry. */
  hardDecline?: boolean;
}

export interface InvoiceAction {
  invoiceId: string;
  /** `void_open` is a command's: it refuses (CommandRefused) unless the invoice is open and this subscription's. */
  action: 'void' | 'void_open' | 'uncollectible';
}

export interface PendingItemDraft {
  key: string;
  kind: 'proration' | 'dispute_fee';
  description: string;
  amount: number;
  periodStart?: string;
  periodEnd?: string;
}

export interface CommitRequest {
  /** The state after the transition; the read model becomes exactly this. */
  state: SubscriptionState;
  /** The state before it, for revenue movements. */
  previous: SubscriptionState | null;
  at: string;
  events: EventDraft[];
  emails: EmailDraft[];
  invoiceActions: InvoiceAction[];
  redeemCoupons: { couponId: string; startPeriodIndex: number }[];
  removeCoupons: string[];
  pendingItems: PendingItemDraft[];
  /**
   * The unused part of the paid period credited to the customer's balance in the same transaction (a pause now);
   * absent in requests of runs recorded before it moved here, which credited it in an activity of its own.
   */
  unusedCredit?: UnusedPeriodRequest | null;
}

/** What an operator reads about the subscription in the Temporal Web UI, in the seller's language. */
export interface OperatorView {
  summary: string;
  details: string;
}

export interface LifecycleActivities {
  planPeriod(request: PlanPeriodRequest): Promise<PeriodPlan>;
  planDunningStep(request: DunningStepRequest): Promise<DunningDecision>;
  billPeriod(request: BillPeriodRequest): Promise<BillPeriodResult>;
  billChange(request: BillChangeRequest): Promise<BillChangeResult>;
  collectInvoice(request: CollectRequest): Promise<ChargeOutcome | null>;
  settleUnusedTime(request: UnusedPeriodRequest): Promise<{ credited: number; refunded: number }>;
  describeItems(request: {
    customerId: string;
    currency: string;
    items: SubscriptionItem[];
  }): Promise<{ items: SubscriptionItem[]; testClockId: string | null }>;
  /** Answers how the committed subscription reads for an operator (the Web UI's details and summary). */
  commitTransition(request: CommitRequest): Promise<OperatorView>;
}
