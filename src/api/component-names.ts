import type { z } from 'zod';
import { gatewayWebhookResponseSchema } from './routes/gateway-webhooks';
import { accountingSettingsResponseSchema, accountingSettingsSchema } from './schemas/accounting';
import {
  analyticsSettingsSchema,
  cohortReportSchema,
  mrrMovementListSchema,
  mrrMovementSchema,
  putAnalyticsSettingsSchema,
  revenueReportSchema,
} from './schemas/analytics';
import {
  agingResponseSchema,
  journalResponseSchema,
  revenueDeferredResponseSchema,
  revenueRecognizedResponseSchema,
} from './schemas/books';
import { emptyBodySchema, errorResponseSchema } from './schemas/common';
import { couponListSchema, couponResponseSchema, createCouponSchema } from './schemas/coupons';
import {
  createCreditNoteSchema,
  creditNoteLineSchema,
  creditNoteListSchema,
  creditNoteResponseSchema,
} from './schemas/credit-notes';
import {
  attachPaymentMethodSchema,
  createCustomerSchema,
  customerListSchema,
  customerResponseSchema,
  paymentMethodListSchema,
  paymentMethodResponseSchema,
  updateCustomerSchema,
} from './schemas/customers';
import { disputeListSchema, disputeResponseSchema } from './schemas/disputes';
import { eventListSchema, eventResponseSchema } from './schemas/events';
import {
  createInvoiceItemSchema,
  deletedInvoiceItemSchema,
  invoiceItemListSchema,
  invoiceItemResponseSchema,
} from './schemas/invoice-items';
import {
  createdInvoiceResponseSchema,
  createInvoiceSchema,
  invoiceLineSchema,
  invoiceListSchema,
  invoicePayResponseSchema,
  invoiceResponseSchema,
  invoiceTaxSchema,
} from './schemas/invoices';
import { createMeterSchema, meterListSchema, meterResponseSchema } from './schemas/meters';
import { paymentListSchema, paymentResponseSchema } from './schemas/payments';
import { createPlanSchema, planListSchema, planResponseSchema, updatePlanSchema } from './schemas/plans';
import {
  createPortalSessionSchema,
  portalSessionResponseSchema,
  revokedPortalSessionSchema,
  revokePortalSessionSchema,
} from './schemas/portal-sessions';
import {
  createProductSchema,
  productListSchema,
  productResponseSchema,
  updateProductSchema,
} from './schemas/products';
import { createRefundSchema, refundListSchema, refundResponseSchema } from './schemas/refunds';
import { putSettingsSchema, settingsResponseSchema } from './schemas/settings';
import {
  addItemSchema,
  applyCouponSchema,
  cancelSubscriptionSchema,
  changePreviewResponseSchema,
  changeSubscriptionSchema,
  createSubscriptionSchema,
  pauseSubscriptionSchema,
  previewLineSchema,
  removeItemSchema,
  subscriptionItemSchema,
  subscriptionListSchema,
  subscriptionResponseSchema,
  updateItemSchema,
  updatePaymentMethodSchema,
  usageResponseSchema,
} from './schemas/subscriptions';
import {
  advanceTestClockSchema,
  createTestClockSchema,
  deletedTestClockSchema,
  testClockListSchema,
  testClockResponseSchema,
} from './schemas/test-clocks';
import { usageBatchResponseSchema, usageBatchSchema } from './schemas/usage';
import {
  createdWebhookEndpointResponseSchema,
  createWebhookEndpointSchema,
  deletedWebhookEndpointSchema,
  updateWebhookEndpointSchema,
  webhookDeliveryListSchema,
  webhookDeliveryResponseSchema,
  webhookEndpointListSchema,
  webhookEndpointResponseSchema,
} from './schemas/webhooks';

/**
 * Component names of the OpenAPI document, which a generated client turns into its type names: what the API
 * answers is named after the resource (`Subscription`, `Invoice`, `SubscriptionChangePreview`), never after the
 * operation that happened to declare it first. Parts of a resource that a client handles on their own
 * (`SubscriptionItem`, `InvoiceLine`) are named too, so every place they appear refers to one type.
 */
export const RESPONSE_NAMES = new Map<z.ZodType, string>([
  [errorResponseSchema, 'Error'],
  [settingsResponseSchema, 'Settings'],
  [accountingSettingsResponseSchema, 'AccountingSettings'],
  [productResponseSchema, 'Product'],
  [productListSchema, 'ProductList'],
  [planResponseSchema, 'Plan'],
  [planListSchema, 'PlanList'],
  [meterResponseSchema, 'Meter'],
  [meterListSchema, 'MeterList'],
  [customerResponseSchema, 'Customer'],
  [customerListSchema, 'CustomerList'],
  [paymentMethodResponseSchema, 'PaymentMethod'],
  [paymentMethodListSchema, 'PaymentMethodList'],
  [subscriptionResponseSchema, 'Subscription'],
  [subscriptionListSchema, 'SubscriptionList'],
  [subscriptionItemSchema, 'SubscriptionItem'],
  [changePreviewResponseSchema, 'SubscriptionChangePreview'],
  [previewLineSchema, 'SubscriptionChangePreviewLine'],
  [usageResponseSchema, 'SubscriptionUsage'],
  [usageBatchResponseSchema, 'UsageEventBatch'],
  [invoiceItemResponseSchema, 'InvoiceItem'],
  [invoiceItemListSchema, 'InvoiceItemList'],
  [deletedInvoiceItemSchema, 'DeletedInvoiceItem'],
  [invoiceResponseSchema, 'Invoice'],
  [invoiceListSchema, 'InvoiceList'],
  [invoiceLineSchema, 'InvoiceLine'],
  [invoiceTaxSchema, 'InvoiceTax'],
  [invoicePayResponseSchema, 'InvoiceWithPayment'],
  [createdInvoiceResponseSchema, 'CreatedInvoice'],
  [paymentResponseSchema, 'Payment'],
  [paymentListSchema, 'PaymentList'],
  [creditNoteResponseSchema, 'CreditNote'],
  [creditNoteListSchema, 'CreditNoteList'],
  [creditNoteLineSchema, 'CreditNoteLine'],
  [refundResponseSchema, 'Refund'],
  [refundListSchema, 'RefundList'],
  [disputeResponseSchema, 'Dispute'],
  [disputeListSchema, 'DisputeList'],
  [revenueRecognizedResponseSchema, 'RecognizedRevenueReport'],
  [revenueDeferredResponseSchema, 'DeferredRevenueReport'],
  [journalResponseSchema, 'Journal'],
  [agingResponseSchema, 'ReceivablesAgingReport'],
  [couponResponseSchema, 'Coupon'],
  [couponListSchema, 'CouponList'],
  [eventResponseSchema, 'Event'],
  [eventListSchema, 'EventList'],
  [portalSessionResponseSchema, 'PortalSession'],
  [revokedPortalSessionSchema, 'RevokedPortalSession'],
  [webhookEndpointResponseSchema, 'WebhookEndpoint'],
  [webhookDeliveryResponseSchema, 'WebhookDelivery'],
  [createdWebhookEndpointResponseSchema, 'CreatedWebhookEndpoint'],
  [webhookEndpointListSchema, 'WebhookEndpointList'],
  [webhookDeliveryListSchema, 'WebhookDeliveryList'],
  [deletedWebhookEndpointSchema, 'DeletedWebhookEndpoint'],
  [gatewayWebhookResponseSchema, 'GatewayWebhookReceipt'],
  [testClockResponseSchema, 'TestClock'],
  [testClockListSchema, 'TestClockList'],
  [deletedTestClockSchema, 'DeletedTestClock'],
  [revenueReportSchema, 'RevenueReport'],
  [cohortReportSchema, 'CohortReport'],
  [mrrMovementSchema, 'MrrMovement'],
  [mrrMovementListSchema, 'MrrMovementList'],
  [analyticsSettingsSchema, 'AnalyticsSettings'],
]);

/**
 * Names of request bodies shared by several operations or worth a stable name; any other body is named after its
 * operation (`CancelSubscriptionRequest`).
 */
export const REQUEST_NAMES = new Map<z.ZodType, string>([
  [emptyBodySchema, 'EmptyRequest'],
  [putSettingsSchema, 'PutSettingsRequest'],
  [accountingSettingsSchema, 'PutAccountingSettingsRequest'],
  [createProductSchema, 'CreateProductRequest'],
  [updateProductSchema, 'UpdateProductRequest'],
  [createPlanSchema, 'CreatePlanRequest'],
  [updatePlanSchema, 'UpdatePlanRequest'],
  [createMeterSchema, 'CreateMeterRequest'],
  [createCustomerSchema, 'CreateCustomerRequest'],
  [updateCustomerSchema, 'UpdateCustomerRequest'],
  [attachPaymentMethodSchema, 'AttachPaymentMethodRequest'],
  [createSubscriptionSchema, 'CreateSubscriptionRequest'],
  [cancelSubscriptionSchema, 'CancelSubscriptionRequest'],
  [pauseSubscriptionSchema, 'PauseSubscriptionRequest'],
  [changeSubscriptionSchema, 'ChangeSubscriptionRequest'],
  [addItemSchema, 'AddSubscriptionItemRequest'],
  [updateItemSchema, 'UpdateSubscriptionItemRequest'],
  [removeItemSchema, 'RemoveSubscriptionItemRequest'],
  [applyCouponSchema, 'ApplyCouponRequest'],
  [updatePaymentMethodSchema, 'UpdateSubscriptionPaymentMethodRequest'],
  [usageBatchSchema, 'IngestUsageRequest'],
  [createInvoiceItemSchema, 'CreateInvoiceItemRequest'],
  [createInvoiceSchema, 'CreateInvoiceRequest'],
  [createCreditNoteSchema, 'CreateCreditNoteRequest'],
  [createRefundSchema, 'CreateRefundRequest'],
  [createCouponSchema, 'CreateCouponRequest'],
  [createPortalSessionSchema, 'CreatePortalSessionRequest'],
  [revokePortalSessionSchema, 'RevokePortalSessionRequest'],
  [createWebhookEndpointSchema, 'CreateWebhookEndpointRequest'],
  [updateWebhookEndpointSchema, 'UpdateWebhookEndpointRequest'],
  [createTestClockSchema, 'CreateTestClockRequest'],
  [advanceTestClockSchema, 'AdvanceTestClockRequest'],
  [putAnalyticsSettingsSchema, 'PutAnalyticsSettingsRequest'],
]);
