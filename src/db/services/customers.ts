import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isGatewayError } from '../../gateways/errors';
import type { PaymentGateway } from '../../gateways/types';
import {
  Customer,
  PaymentMethod,
  type CustomerLocale,
  type InvoiceDelivery,
  type PostalAddress,
} from '../entities';
import { newId } from '../ids';
import { StoreError } from './errors';

export type CustomerInput = {
  email: string;
  name: string;
  locale: CustomerLocale;
  country: string;
  vatId: string | null;
  address: PostalAddress | null;
  invoiceDelivery?: InvoiceDelivery;
  buyerReference?: string | null;
};

/** A test clock is fixed at creation, so it is not part of what an update may change. */
export function createCustomer(
  em: EntityManager,
  input: CustomerInput & { testClockId?: string | null },
): Promise<Customer> {
  return em.transactional(async (tx) => {
    const customer = tx.create(Customer, {
      email: input.email,
      name: input.name,
      locale: input.locale,
      country: input.country,
      vatId: input.vatId,
      address: input.address,
      testClockId: input.testClockId ?? null,
      invoiceDelivery: input.invoiceDelivery ?? 'pdf',
      buyerReference: input.buyerReference ?? null,
    });
    await tx.flush();
    return customer;
  });
}

export function findCustomer(em: EntityManager, id: string): Promise<Customer | null> {
  return em.findOne(Customer, id);
}

/** `undefined` leaves a field as it is; `null` clears the nullable ones. */
export type CustomerUpdate = Partial<CustomerInput>;

export function updateCustomer(
  em: EntityManager,
  id: string,
  update: CustomerUpdate,
): Promise<Customer | null> {
  return em.transactional(async (tx) => {
    const customer = await tx.findOne(Customer, id);
    if (!customer) return null;
    if (update.email !== undefined) customer.email = update.email;
    if (update.name !== undefined) customer.name = update.name;
    if (update.locale !== undefined) customer.locale = update.locale;
    if (update.country !== undefined) customer.country = update.country;
    if (update.vatId !== undefined) customer.vatId = update.vatId;
    if (update.address !== undefined) customer.address = update.address;
    if (update.invoiceDelivery !== undefined) customer.invoiceDelivery = update.invoiceDelivery;
    if (update.buyerReference !== undefined) customer.buyerReference = update.buyerReference;
    await tx.flush();
    return customer;
  });
}

export type AttachInput = {
  customer: Customer;
  token: string;
  makeDefault: boolean;
};

/**
 * Exchanges a single-use gateway token for a stored payment method (the gateway's reference plus display
 * details; never a card number). The gateway is called before the transaction so no row lock is held across
 * the network; the customer row is then locked so concurrent attaches agree on which one is the default.
 */
export async function attachPaymentMethod(
  em: EntityManager,
  gateway: PaymentGateway,
  input: AttachInput,
): Promise<PaymentMethod> {
  const id = newId('pm');
  const { customerRef } = await gateway.createCustomer({
    idempotencyKey: `customer:${input.customer.id}`,
    email: input.customer.email,
    name: input.customer.name,
  });
  const attached = await gateway
    .attachPaymentMethod({ customerRef, token: input.token, idempotencyKey: id })
    .catch((error: unknown) => {
      // The gateway knows no such token, or not in that form: the caller's token is wrong, not the gateway.
      if (isGatewayError(error) && (error.code === 'invalid_request' || error.code === 'not_found')) {
        throw new StoreError('invalid_token', `token: ${error.message}`, 'token');
      }
      throw error;
    });
  return em.transactional(async (tx) => {
    const customer = await tx.findOneOrFail(Customer, input.customer.id, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      refresh: true,
    });
    const currentDefault = await tx.findOne(PaymentMethod, { customer, isDefault: true, detachedAt: null });
    const isDefault = input.makeDefault || !currentDefault;
    if (isDefault && currentDefault) currentDefault.isDefault = false;
    const method = tx.create(PaymentMethod, {
      id,
      customer,
      gateway: gateway.name,
      token: attached.paymentMethodRef,
      brand: attached.brand,
      last4: attached.last4,
      expMonth: attached.expMonth,
      expYear: attached.expYear,
      isDefault,
    });
    // The old default is cleared before the new one is inserted.
    await tx.flush();
    return method;
  });
}
