import type { DunningPolicy } from '../domain/dunning';
import type { Customer, PaymentMethod, PostalAddress, Product, SellerSettings } from '../db/entities';
import type { PlanWithPrices } from '../db/services/catalog';
import type { AddressInput } from './schemas/common';
import type { CustomerResponse, PaymentMethodResponse } from './schemas/customers';
import type { PlanResponse } from './schemas/plans';
import type { ProductResponse } from './schemas/products';
import type { SettingsResponse } from './schemas/settings';

/** Entity → API shape, field by field (snake_case, ISO 8601 instants); and the API's address → the stored one. */

export function toPostalAddress(address: AddressInput): PostalAddress {
  return {
    line1: address.line1,
    ...(address.line2 === undefined ? {} : { line2: address.line2 }),
    postalCode: address.postal_code,
    city: address.city,
    ...(address.region === undefined ? {} : { region: address.region }),
    country: address.country,
  };
}

function serializeAddress(address: PostalAddress) {
  return {
    line1: address.line1,
    ...(address.line2 === undefined ? {} : { line2: address.line2 }),
    postal_code: address.postalCode,
    city: address.city,
    ...(address.region === undefined ? {} : { region: address.region }),
    country: address.country,
  };
}

export function toDunningPolicy(policy: {
  retry_offsets_days: number[];
  notices: DunningPolicy['notices'];
  final_action: DunningPolicy['finalAction'];
}): DunningPolicy {
  return {
    retryOffsetsDays: [...policy.retry_offsets_days],
    notices: [...policy.notices],
    finalAction: policy.final_action,
  };
}

export function serializeSettings(settings: SellerSettings): SettingsResponse {
  return {
    object: 'settings',
    name: settings.name,
    address: serializeAddress(settings.address),
    country: settings.country,
    vat_id: settings.vatId ?? null,
    invoice_prefix: settings.invoicePrefix,
    time_zone: settings.timeZone,
    default_currency: settings.defaultCurrency,
    dunning_policy: {
      retry_offsets_days: settings.dunningPolicy.retryOffsetsDays,
      notices: settings.dunningPolicy.notices,
      final_action: settings.dunningPolicy.finalAction,
    },
    tax_rates: Object.fromEntries(
      Object.entries(settings.taxRates ?? {}).map(([country, rate]) => [
        country,
        { standard: rate.standard, reduced: rate.reduced ?? rate.standard },
      ]),
    ),
    notification_email: settings.notificationEmail ?? null,
    notification_locale: settings.notificationLocale,
    email_sender: settings.emailSender
      ? { name: settings.emailSender.name, address: settings.emailSender.address }
      : null,
    created_at: settings.createdAt.toISOString(),
    updated_at: settings.updatedAt.toISOString(),
  };
}

export function serializeProduct(product: Product): ProductResponse {
  return {
    id: product.id,
    object: 'product',
    name: product.name,
    description: product.description ?? null,
    active: product.active,
    add_on: product.addOn,
    tax_category: product.taxCategory,
    created_at: product.createdAt.toISOString(),
  };
}

export function serializePlan({ plan, prices }: PlanWithPrices): PlanResponse {
  const amounts: Record<string, number> = {};
  const tiers: NonNullable<PlanResponse['tiers']> = {};
  const setupFees: Record<string, number> = {};
  let unitsPerPackage: number | null = null;
  for (const price of prices) {
    const scheme = price.scheme;
    if (price.setupFee > 0) setupFees[price.currency] = price.setupFee;
    switch (scheme.model) {
      case 'flat':
        amounts[price.currency] = scheme.amount;
        break;
      case 'per_unit':
        amounts[price.currency] = scheme.unitAmount;
        break;
      case 'package':
        amounts[price.currency] = scheme.packageAmount;
        unitsPerPackage = scheme.unitsPerPackage;
        break;
      case 'graduated':
      case 'volume':
        tiers[price.currency] = scheme.tiers.map((tier) => ({
          up_to: tier.upTo,
          unit_amount: tier.unitAmount,
          ...(tier.flatAmount === undefined ? {} : { flat_amount: tier.flatAmount }),
        }));
        break;
    }
  }
  const tiered = plan.pricingModel === 'graduated' || plan.pricingModel === 'volume';
  return {
    id: plan.id,
    object: 'plan',
    product_id: plan.product.id,
    name: plan.name,
    interval: plan.intervalUnit,
    interval_count: plan.intervalCount,
    pricing_model: plan.pricingModel,
    currencies: prices.map((price) => price.currency),
    amounts: tiered ? null : amounts,
    tiers: tiered ? tiers : null,
    units_per_package: unitsPerPackage,
    setup_fees: setupFees,
    trial_days: plan.trialDays,
    tax_behavior: plan.taxBehavior,
    meter_id: plan.meter?.id ?? null,
    active: plan.active,
    created_at: plan.createdAt.toISOString(),
  };
}

export function serializeCustomer(customer: Customer): CustomerResponse {
  return {
    id: customer.id,
    object: 'customer',
    email: customer.email,
    name: customer.name,
    locale: customer.locale,
    country: customer.country,
    vat_id: customer.vatId ?? null,
    address: customer.address ? serializeAddress(customer.address) : null,
    balance: customer.balance,
    balance_currency: customer.balanceCurrency ?? null,
    test_clock_id: customer.testClockId ?? null,
    invoice_delivery: customer.invoiceDelivery,
    buyer_reference: customer.buyerReference ?? null,
    created_at: customer.createdAt.toISOString(),
    updated_at: customer.updatedAt.toISOString(),
  };
}

export function serializePaymentMethod(method: PaymentMethod): PaymentMethodResponse {
  return {
    id: method.id,
    object: 'payment_method',
    customer_id: method.customer.id,
    gateway: method.gateway,
    brand: method.brand ?? null,
    last4: method.last4 ?? null,
    exp_month: method.expMonth ?? null,
    exp_year: method.expYear ?? null,
    default: method.isDefault,
    created_at: method.createdAt.toISOString(),
  };
}
