export { createCreditNote, type CreditNoteInput } from './credit-notes';
export {
  adjustCustomerBalance,
  applyCustomerCredit,
  type BalanceAdjustment,
  type BalanceAdjustmentResult,
} from './credit';
export { STORE_ERROR_CODES, StoreError, isStoreError, type StoreErrorCode } from './errors';
export { appendDomainEvent, type DomainEventInput } from './events';
export {
  createOrGetRenewalInvoice,
  finalizeInvoice,
  formatInvoiceNumber,
  type RenewalInvoiceInput,
  type RenewalInvoiceResult,
} from './invoices';
export {
  paymentIdempotencyKey,
  recordPaymentAttempt,
  recordPaymentResult,
  recordRefund,
  type PaymentAttemptInput,
  type PaymentOutcome,
  type RefundInput,
} from './payments';
export {
  attachInvoiceItems,
  createInvoiceItem,
  draftItemOf,
  pendingInvoiceItems,
  type NewInvoiceItem,
  type PendingItemsQuery,
} from './invoice-items';
export { ingestUsageEvents, type UsageBatchInput, type UsageRecordInput } from './usage';
export { closeInvoice } from './invoice-status';
export { redeemCoupon, toDomainCoupon } from './coupons';
