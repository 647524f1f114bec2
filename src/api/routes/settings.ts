import { Router } from 'express';
import type { Orm } from '../../db/orm.config';
import { findSellerSettings, putSellerSettings } from '../../db/services/seller-settings';
import { DEFAULT_DUNNING_POLICY } from '../../domain/dunning';
import type { VatIdVerifier } from '../../tax';
import { AppError } from '../errors';
import { defineRoute, type RouteRegistry } from '../route';
import { putSettingsSchema, settingsResponseSchema } from '../schemas/settings';
import { serializeSettings, toDunningPolicy, toPostalAddress } from '../serializers';
import { assertVatIdRegistered } from '../vat-ids';

export function settingsRouter(orm: Orm, registry: RouteRegistry, vatIdVerifier: VatIdVerifier): Router {
  const router = Router();

  defineRoute(
    router,
    registry,
    {
      method: 'get',
      path: '/settings',
      operationId: 'getSettings',
      summary: "The seller's settings",
      tag: 'Settings',
      response: settingsResponseSchema,
      errors: [404],
    },
    async () => {
      const settings = await findSellerSettings(orm.em);
      if (!settings) {
        throw new AppError(
          'not_found',
          'settings_not_configured',
          'The seller settings have not been set yet',
        );
      }
      return serializeSettings(settings);
    },
  );

  defineRoute(
    router,
    registry,
    {
      method: 'put',
      path: '/settings',
      operationId: 'putSettings',
      summary: "Replace the seller's settings",
      description:
        'Replaces the whole object; optional fields that are left out take their defaults. A seller in an EU ' +
        'member state needs a well-formed EU VAT id; with VIES verification turned on it must also be registered. ' +
        '`email_sender` takes effect with the next email the worker sends; without it, emails go out as `MAIL_FROM`.',
      tag: 'Settings',
      body: putSettingsSchema,
      response: settingsResponseSchema,
      errors: [400, 503],
    },
    async ({ body }) => {
      // Asked only about a new id: an unchanged one was checked when it was stored, and an outage of the register
      // must not block the seller's other settings.
      const current = await findSellerSettings(orm.em);
      if (body.vat_id && body.vat_id !== current?.vatId)
        await assertVatIdRegistered(vatIdVerifier, body.vat_id);
      const settings = await putSellerSettings(orm.em, {
        name: body.name,
        address: toPostalAddress(body.address),
        country: body.country,
        vatId: body.vat_id ?? null,
        invoicePrefix: body.invoice_prefix ?? '',
        timeZone: body.time_zone ?? 'UTC',
        defaultCurrency: body.default_currency,
        dunningPolicy: body.dunning_policy ? toDunningPolicy(body.dunning_policy) : DEFAULT_DUNNING_POLICY,
        taxRates: Object.fromEntries(
          Object.entries(body.tax_rates ?? {}).map(([country, rate]) => [
            country,
            { standard: rate.standard, reduced: rate.reduced ?? rate.standard },
          ]),
        ),
        notificationEmail: body.notification_email ?? null,
        notificationLocale: body.notification_locale ?? 'en',
        emailSender: body.email_sender ?? null,
      });
      return serializeSettings(settings);
    },
  );

  return router;
}
