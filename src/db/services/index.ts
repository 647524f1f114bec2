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
  refundCreatedEventKey,
  type PaymentAttemptInput,
  type PaymentOutcome,
  type RecordedRefund,
  type RefundInput,
} from './payments';
export { refundPayment, type RefundPaymentInput } from './refunds';
export { recordDisputeReport, type DisputeReport, type RecordedDispute } from './disputes';
export { recordGatewayRefund, type GatewayRefundReport, type RecordedGatewayRefund } from './gateway-refunds';
export { ingestUsageEvents, type UsageBatchInput, type UsageRecordInput } from './usage';
export { closeInvoice, reverseInvoicePayment } from './invoice-status';
export { redeemCoupon, toDomainCoupon } from './coupons';
