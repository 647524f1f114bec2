import type {
  CancelCommand,
  ChangeCommand,
  ChangeTiming,
  CommandRejectionType,
  CouponCommand,
  InvoiceCommand,
  PauseCommand,
  PaymentMethodCommand,
  ProrationBehavior,
} from './messages';
import { CommandRejection } from './messages';
import {
  type BillingInterval,
  isFinal,
  licensedAmount,
  type SubscriptionItem,
  type SubscriptionState,
} from './state';

/**
 * The rule of every command: one pure function of (state, now, command) each, answering why the command cannot be
 * taken now, or null. The update's validator runs it before a command reaches history, the handler runs it again
 * inside the workflow's lock (after everything due has been handled), and the API's previews run it on the state
 * they read, so the three can never disagree.
 */
export interface Refusal {
  type: CommandRejectionType;
  message: string;
}

export type Rule<C> = (state: SubscriptionState, nowMs: number, command: C) => Refusal | null;

const state = (message: string): Refusal => ({ type: CommandRejection.invalidState, message });
const argument = (message: string): Refusal => ({ type: CommandRejection.invalidArgument, message });

export const MAX_ITEMS = 20;

export const cancelRule: Rule<CancelCommand> = (s, _now, command) => {
  if (isFinal(s.status)) return state(`Subscription is already ${s.status}`);
  if (command.at === 'period_end') {
    if (s.cancelAtPeriodEnd) return state('Subscription is already set to cancel at period end');
    if (!['trialing', 'active', 'past_due'].includes(s.status)) {
      return state(`A ${s.status} subscription can only be canceled immediately`);
    }
  }
  return null;
};

export const reactivateRule: Rule<void> = (s) =>
  !s.cancelAtPeriodEnd || isFinal(s.status) ? state('Subscription has no scheduled cancellation') : null;

export const pauseRule: Rule<PauseCommand> = (s, now, command) => {
  if (s.status === 'paused') return state('Subscription is already paused');
  if (!['trialing', 'active'].includes(s.status)) return state(`A ${s.status} subscription cannot be paused`);
  if (command.at === 'period_end' && s.status !== 'active')
    return state('Only an active subscription pauses at period end');
  if (command.at === 'period_end' && s.pauseAtPeriodEnd) return state('A pause is already scheduled');
  if (command.resumesAt != null && !(Date.parse(command.resumesAt) > now)) {
    return argument('resumes_at must be a future instant');
  }
  return null;
};

export const resumeRule: Rule<void> = (s) =>
  s.status === 'paused' ? null : state(`Only a paused subscription can be resumed; it is ${s.status}`);

export const couponRule: Rule<CouponCommand> = (s, _now, command) => {
  if (isFinal(s.status)) return state(`Subscription is ${s.status}`);
  if (!command.couponId) return argument('coupon is required');
  if (s.couponIds.includes(command.couponId)) return state('This coupon is already applied');
  return null;
};

export const removeDiscountRule: Rule<CouponCommand> = (s, _now, command) => {
  if (isFinal(s.status)) return state(`Subscription is ${s.status}`);
  return s.couponIds.includes(command.couponId)
    ? null
    : argument(`Coupon ${command.couponId} is not applied to this subscription`);
};

export const cancelScheduledChangeRule: Rule<void> = (s) =>
  s.scheduledChange ? null : state('Subscription has no scheduled change');

export const paymentMethodRule: Rule<PaymentMethodCommand> = (s, _now, command) => {
  if (isFinal(s.status)) return state(`Subscription is ${s.status}`);
  return command.paymentMethodId ? null : argument('payment_method_id is required');
};

export const voidInvoiceRule: Rule<InvoiceCommand> = (s, _now, command) => {
  if (!command.invoiceId) return argument('invoice_id is required');
  return isFinal(s.status) ? state(`Subscription is ${s.status}`) : null;
};

/** The invoice a payment now would settle: the one a dunning episode collects, or the one an unpaid one waits for. */
export function collectibleInvoiceId(s: SubscriptionState): string | null {
  return ['past_due', 'incomplete', 'unpaid'].includes(s.status) ? (s.dunning?.invoiceId ?? null) : null;
}

export const payInvoiceRule: Rule<InvoiceCommand> = (s, _now, command) => {
  if (!command.invoiceId) return argument('invoice_id is required');
  if (!['past_due', 'incomplete', 'unpaid'].includes(s.status))
    return state(`A ${s.status} subscription retries no payment`);
  if (collectibleInvoiceId(s) !== command.invoiceId) {
    return state(`Invoice ${command.invoiceId} is not being collected by subscription ${s.subscriptionId}`);
  }
  return null;
};

export const retryAttentionRule: Rule<void> = (s) =>
  s.attention ? null : state('Subscription is not waiting for an operator');

/** What a change resolves to on a given state: the items after it, and how and when it takes effect. */
export interface ResolvedChange {
  items: SubscriptionItem[];
  interval: BillingInterval;
  intervalChanged: boolean;
  direction: 'upgrade' | 'downgrade' | 'same';
  timing: ChangeTiming;
  proration: ProrationBehavior;
}

const sameInterval = (a: BillingInterval, b: BillingInterval) => a.unit === b.unit && a.count === b.count;

function applyOperations(s: SubscriptionState, command: ChangeCommand): SubscriptionItem[] | Refusal {
  const items = s.items.map((item) => ({ ...item }));
  for (const operation of command.operations) {
    if (operation.op === 'add') {
      if (items.some((item) => item.id === operation.item.id || item.planId === operation.item.planId)) {
        return argument(`Plan ${operation.item.planId} is already an item of this subscription`);
      }
      items.push({ ...operation.item });
      continue;
    }
    const index = items.findIndex((item) => item.id === operation.itemId);
    const current = items[index];
    if (!current) return argument(`No such item on this subscription: ${operation.itemId}`);
    if (current.planId !== operation.expectedPlanId) {
      return state(`Item ${operation.itemId} changed meanwhile; read the subscription again`);
    }
    if (operation.op === 'remove') {
      items.splice(index, 1);
      continue;
    }
    if (
      operation.item.planId !== current.planId &&
      items.some((item) => item.id !== current.id && item.planId === operation.item.planId)
    ) {
      return argument(`Plan ${operation.item.planId} is already an item of this subscription`);
    }
    items[index] = { ...operation.item, id: current.id };
  }
  return items;
}

/** Applies a change's operations to the state and decides its direction, timing and proration; or refuses it. */
export function resolveChange(s: SubscriptionState, command: ChangeCommand): ResolvedChange | Refusal {
  if (command.operations.length === 0) return argument('A change needs at least one item operation');
  const items = applyOperations(s, command);
  if (!Array.isArray(items)) return items;
  if (items.length === 0) return argument('A subscription keeps at least one item');
  if (items.length > MAX_ITEMS) return argument(`A subscription has at most ${MAX_ITEMS} items`);
  const interval = items[0]?.interval as BillingInterval;
  if (!items.every((item) => sameInterval(item.interval, interval))) {
    return argument('All items of a subscription bill on the same interval');
  }
  for (const item of items) {
    if (!Number.isSafeInteger(item.quantity) || item.quantity < 1)
      return argument('quantity must be a positive integer');
    if (!Number.isSafeInteger(item.amount) || item.amount < 0)
      return argument('an item amount must be a non-negative integer');
  }
  const intervalChanged = !sameInterval(interval, s.interval);
  const before = licensedAmount(s.items);
  const after = licensedAmount(items);
  const direction = after > before ? 'upgrade' : after < before ? 'downgrade' : 'same';
  const timing =
    command.timing ?? (intervalChanged || direction === 'upgrade' ? 'immediately' : 'period_end');
  return {
    items,
    interval,
    intervalChanged,
    direction,
    timing,
    proration: command.proration ?? 'always_invoice',
  };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'type' in value && 'message' in value;
}

export const changeRule: Rule<ChangeCommand> = (s, _now, command) => {
  if (isFinal(s.status)) return state(`Subscription is ${s.status}; it cannot change its items`);
  if (!['trialing', 'active', 'past_due'].includes(s.status)) {
    return state(`A ${s.status} subscription cannot change its items`);
  }
  const resolved = resolveChange(s, command);
  if (isRefusal(resolved)) return resolved;
  if (resolved.timing === 'immediately' && s.status === 'past_due') {
    return state('Settle the past-due invoice before changing items immediately');
  }
  return null;
};
