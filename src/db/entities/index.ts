import { AnalyticsSettingsSchema } from './analytics-settings';
import { ApiKeySchema } from './api-key';
import { BrowserSessionSchema } from './browser-session';
import { ConsoleUserSchema } from './console-user';
import { CouponSchema } from './coupon';
import { CreditNoteSchema } from './credit-note';
import { CreditNoteLineSchema } from './credit-note-line';
import { CreditNoteNumberSequenceSchema } from './credit-note-number-sequence';
import { CustomerSchema } from './customer';
import { CustomerBalanceTransactionSchema } from './customer-balance-transaction';
import { DiscountSchema } from './discount';
import { DisputeSchema } from './dispute';
import { DomainEventSchema } from './domain-event';
import { EmailMessageSchema } from './email-message';
import { GatewayEventSchema } from './gateway-event';
import { IdempotencyRecordSchema } from './idempotency-record';
import { InvoiceSchema } from './invoice';
import { InvoiceDocumentSchema } from './invoice-document';
import { InvoiceItemSchema } from './invoice-item';
import { InvoiceLineSchema } from './invoice-line';
import { InvoiceNumberSequenceSchema } from './invoice-number-sequence';
import { MeterSchema } from './meter';
import { MrrMovementSchema } from './mrr-movement';
import { PaymentAttemptSchema } from './payment-attempt';
import { PaymentMethodSchema } from './payment-method';
import { PlanSchema } from './plan';
import { PortalEntrySchema } from './portal-entry';
import { PlanPriceSchema } from './plan-price';
import { ProductSchema } from './product';
import { RefundSchema } from './refund';
import { SellerSettingsSchema } from './seller-settings';
import { SubscriptionSchema } from './subscription';
import { SubscriptionItemSchema } from './subscription-item';
import { TestClockSchema } from './test-clock';
import { TrialMarkSchema } from './trial-mark';
import { UsageEventSchema } from './usage-event';
import { WebhookDeliverySchema } from './webhook-delivery';
import { WebhookDeliveryAttemptSchema } from './webhook-delivery-attempt';
import { WebhookEndpointSchema } from './webhook-endpoint';

export { AnalyticsSettings } from './analytics-settings';
export { ApiKey } from './api-key';
export { BrowserSession, type BrowserSessionSurface } from './browser-session';
export { ConsoleUser, CONSOLE_ROLES, type ConsoleRole } from './console-user';
export type { PostalAddress } from './columns';
export { Coupon, type CouponDurationType } from './coupon';
export { CreditNote, type CreditNoteOutcome } from './credit-note';
export { CreditNoteLine } from './credit-note-line';
export { CreditNoteNumberSequence, type CreditNoteSeries } from './credit-note-number-sequence';
export { Customer, type CustomerLocale, type InvoiceDelivery } from './customer';
export { CustomerBalanceTransaction } from './customer-balance-transaction';
export { Discount } from './discount';
export {
  Dispute,
  DISPUTE_STATUSES,
  isDisputeClosed,
  type DisputeOutcome,
  type DisputeStatus,
} from './dispute';
export { DomainEvent, type DomainEventData } from './domain-event';
export { EmailMessage } from './email-message';
export { GatewayEvent } from './gateway-event';
export { IdempotencyRecord } from './idempotency-record';
export { InvoiceDocument } from './invoice-document';
export { Invoice, type BillingReason, type InvoiceStatus } from './invoice';
export { InvoiceItem, type InvoiceItemKind } from './invoice-item';
export { InvoiceLine } from './invoice-line';
export { InvoiceNumberSequence } from './invoice-number-sequence';
export { Meter, type MeterAggregation } from './meter';
export { MrrMovement } from './mrr-movement';
export { PaymentAttempt, type PaymentAttemptStatus } from './payment-attempt';
export { PaymentMethod } from './payment-method';
export { Plan, type TaxBehavior } from './plan';
export { PortalEntry, type PortalEntryKind } from './portal-entry';
export { PlanPrice } from './plan-price';
export { Product } from './product';
export { Refund, type RefundKind } from './refund';
export { SellerSettings, type EmailSender } from './seller-settings';
export { Subscription, type SubscriptionStatus } from './subscription';
export { SubscriptionItemRow } from './subscription-item';
export { TestClock, type TestClockStatus } from './test-clock';
export { TrialMark, type TrialMarkKind } from './trial-mark';
export { UsageEvent } from './usage-event';
export { WebhookDelivery, type WebhookDeliveryStatus } from './webhook-delivery';
export { WebhookDeliveryAttempt, type WebhookAttemptStatus } from './webhook-delivery-attempt';
export { WebhookEndpoint } from './webhook-endpoint';

export const entities = [
  AnalyticsSettingsSchema,
  ApiKeySchema,
  BrowserSessionSchema,
  ConsoleUserSchema,
  CouponSchema,
  CreditNoteSchema,
  CreditNoteLineSchema,
  CreditNoteNumberSequenceSchema,
  CustomerSchema,
  CustomerBalanceTransactionSchema,
  DiscountSchema,
  DisputeSchema,
  DomainEventSchema,
  EmailMessageSchema,
  GatewayEventSchema,
  IdempotencyRecordSchema,
  InvoiceSchema,
  InvoiceDocumentSchema,
  InvoiceItemSchema,
  InvoiceLineSchema,
  InvoiceNumberSequenceSchema,
  MeterSchema,
  MrrMovementSchema,
  PaymentAttemptSchema,
  PaymentMethodSchema,
  PlanSchema,
  PlanPriceSchema,
  PortalEntrySchema,
  ProductSchema,
  RefundSchema,
  SellerSettingsSchema,
  SubscriptionSchema,
  SubscriptionItemSchema,
  TestClockSchema,
  TrialMarkSchema,
  UsageEventSchema,
  WebhookDeliverySchema,
  WebhookDeliveryAttemptSchema,
  WebhookEndpointSchema,
];
