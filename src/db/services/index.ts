export { createCreditNote, creditNoteCreatedEventKey, type CreditNoteInput } from './credit-notes';
export {
  adjustCustomerBalance,
  applyCustomerCredit,
  type BalanceAdjustment,
  type BalanceAdjustmentResult,
} from './credit';
export { STORE_ERROR_CODES, StoreError, isStoreError, type StoreErrorCode } from './errors';
export { appendDomainEvent, type DomainEventInput } from './events';
export {
  createManualInvoice,
  createOrGetRenewalInvoice,
  finalizeInvoice,
  formatInvoiceNumber,
  type ManualInvoiceInput,
  type RenewalInvoiceInput,
  type RenewalInvoiceResult,
} from './invoices';
export {
  paymentIdempotencyKey,
  recordPaymentAttempt,
  recordPaymentResult,
  recordRefund,
  refundCreatedEventKey,
  type PaymentAttemptInput,
  type PaymentOutcome,
  type RecordedRefund,
  type RefundInput,
} from './payments';
export {
  attachInvoiceItems,
  createInvoiceItem,
  deletePendingInvoiceItem,
  draftItemOf,
  pendingInvoiceItems,
  type NewInvoiceItem,
  type PendingItemsQuery,
} from './invoice-items';
export {
  ingestUsageEvents,
  usageForPeriod,
  type UsageBatchInput,
  type UsageRecordInput,
  type UsageWindow,
} from './usage';
export { archiveMeter, createMeter, type MeterInput } from './meters';
export { chargeInvoiceAttempt, type CollectionOutcome, type CollectionRequest } from './invoice-collection';
export {
  createOneOffInvoice,
  type OneOffInvoiceInput,
  type OneOffInvoiceResult,
  type OneOffLine,
} from './one-off-invoices';
export { refundPayment, type RefundPaymentInput } from './refunds';
export { recordDisputeReport, type DisputeReport, type RecordedDispute } from './disputes';
export { recordGatewayRefund, type GatewayRefundReport, type RecordedGatewayRefund } from './gateway-refunds';
export { closeInvoice, reverseInvoicePayment } from './invoice-status';
export { redeemCoupon, toDomainCoupon } from './coupons';
