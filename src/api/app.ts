import { RequestContext } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { createHash } from 'node:crypto';
import { type Config, configSchema } from '../config';
import type { Orm } from '../db/orm.config';
import type { Logger } from '../logging';
import type { PaymentGateway } from '../gateways/types';
import { NoopVatIdVerifier, type VatIdVerifier } from '../tax';
import type { Mailer } from '../mail/mailer';
import { createEventPublisher } from '../webhooks/publish';
import { surfacesRouter } from '../surfaces/router';
import { ApiKeyCache } from './api-key-cache';
import { enforcePortalScope, requireApiKey, requireSecretKey } from './auth';
import { InProcessCallers, inProcessApi } from './in-process';
import { AppError, errorBody, errorHandler, notFoundRoute } from './errors';
import { idempotency } from './idempotency';
import { createMetrics, type Metrics } from './metrics';
import { openApiRouter } from './openapi';
import { requestLog } from './request-log';
import { RouteRegistry } from './route';
import { booksRouter } from './routes/books';
import { refuseUnstorableText, requireUtf8Body, undecodablePathError } from './text-guard';
import { analyticsRouter } from './routes/analytics';
import { catalogRouter } from './routes/catalog';
import { customersRouter } from './routes/customers';
import { gatewayWebhooksRouter } from './routes/gateway-webhooks';
import { healthRouter } from './routes/health';
import { couponsRouter } from './routes/coupons';
import { eventsRouter } from './routes/events';
import { creditNotesRouter } from './routes/credit-notes';
import { invoiceItemsRouter } from './routes/invoice-items';
import { disputesRouter } from './routes/disputes';
import { invoicesRouter } from './routes/invoices';
import { metersRouter } from './routes/meters';
import { oneOffInvoicesRouter } from './routes/one-off-invoices';
import { paymentsRouter } from './routes/payments';
import { refundsRouter } from './routes/refunds';
import { portalSessionsRouter } from './routes/portal-sessions';
import { usageRouter } from './routes/usage';
import { settingsRouter } from './routes/settings';
import { accountingSettingsRouter } from './routes/accounting-settings';
import { subscriptionsRouter } from './routes/subscriptions';
import { testClocksRouter } from './routes/test-clocks';
import { webhookEndpointsRouter } from './routes/webhook-endpoints';

export interface AppDeps {
  orm: Orm;
  client: Client;
  logger: Logger;
  /** Settings left out take the configuration's defaults. */
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'RATE_LIMIT_PER_MINUTE'> &
    Partial<
      Pick<
        Config,
        | 'API_KEY_CACHE_MS'
        | 'AUTH_FAILURES_PER_MINUTE'
        | 'TRUST_PROXY'
        | 'METRICS_BIND'
        | 'PUBLIC_URL'
        | 'PORTAL_LINK_SECRET'
        | 'TEMPORAL_NAMESPACE'
        | 'TEMPORAL_UI_URL'
        | 'MAIL_FROM'
      >
    >;
  /** The app's metrics, when the process also serves them on a listener of their own (`METRICS_BIND`). */
  metrics?: Metrics;
  /** Attaches payment methods; without one, `POST /v1/customers/:id/payment_methods` answers 503. */
  gateway?: PaymentGateway;
  /** Checks newly given VAT ids against a register (VIES); without one, well-formed ids are accepted as they are. */
  vatIdVerifier?: VatIdVerifier;
  /**
   * Sends what the API itself causes: the seller's notices of gateway webhooks (disputes) and the credit notes it
   * issues; without one they are logged and skipped.
   */
  mailer?: Mailer;
}

const setting = <K extends 'API_KEY_CACHE_MS' | 'AUTH_FAILURES_PER_MINUTE' | 'TRUST_PROXY'>(
  config: AppDeps['config'],
  name: K,
): Config[K] => config[name] ?? configSchema.shape[name].parse(undefined);

export function createApp(deps: AppDeps): Express {
  return createApiApp(deps).app;
}

/** The app and the registry of its declared routes, from which the OpenAPI document is built. */
export function createApiApp({
  orm,
  client,
  logger,
  config,
  gateway,
  mailer,
  vatIdVerifier = new NoopVatIdVerifier(),
  metrics = createMetrics(orm),
}: AppDeps): { app: Express; routes: RouteRegistry } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Without it, every client behind a proxy would share the proxy's address (and its limits).
  app.set('trust proxy', setting(config, 'TRUST_PROXY'));
  app.use(metrics.observe);
  // No CORS middleware: browsers get no cross-origin access unless an operator puts a proxy in front.
  app.use(helmet());
  app.use(requestLog(logger));
  app.use(healthRouter(orm, client));
  const keys = new ApiKeyCache(setting(config, 'API_KEY_CACHE_MS'));
  // The customer portal and the operator console act through this same app's /v1 routes, in-process.
  const inProcess = new InProcessCallers();
  const authenticate = requireApiKey(orm, {
    keys,
    failuresPerMinute: setting(config, 'AUTH_FAILURES_PER_MINUTE'),
    inProcess,
  });
  // The figures include revenue: a secret key reads them here, unless they have a listener of their own.
  if (!config.METRICS_BIND) app.get('/metrics', authenticate, requireSecretKey, metrics.handler);
  const routes = new RouteRegistry();
  // Before the JSON parser and the API-key check: gateways sign the raw body and authenticate by that signature.
  app.use(
    gatewayWebhooksRouter(
      { orm, client, logger, gateway, mailer, taskQueue: config.TEMPORAL_TASK_QUEUE },
      routes,
    ),
  );
  app.use(express.json({ limit: '1mb', strict: true, verify: requireUtf8Body }));
  // One identity map per request.
  app.use((_req, _res, next) => RequestContext.create(orm.em, next));
  app.use(
    '/v1',
    rateLimit({
      windowMs: 60_000,
      limit: config.RATE_LIMIT_PER_MINUTE,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // Per secret key (hashed, never kept in memory in clear), falling back to the client address.
      keyGenerator: (req) =>
        createHash('sha256')
          .update(req.header('authorization') ?? `ip:${ipKeyGenerator(req.ip ?? '')}`)
          .digest('hex'),
      handler: (_req, res) => {
        res
          .status(429)
          .json(
            errorBody(
              new AppError('rate_limit_error', 'rate_limited', 'Too many requests; slow down and retry'),
            ),
          );
      },
    }),
  );
  app.use(openApiRouter(routes));
  const publicUrl = config.PUBLIC_URL ?? 'http://localhost:3000';
  app.use(
    surfacesRouter({
      orm,
      logger,
      api: inProcessApi(inProcess),
      forgetApiKey: (keyHash) => keys.forget(keyHash),
      config: {
        publicUrl,
        portalLinkSecret: config.PORTAL_LINK_SECRET,
        temporalNamespace: config.TEMPORAL_NAMESPACE ?? 'default',
        temporalUiUrl: config.TEMPORAL_UI_URL,
        gateway: gateway?.name,
        mailFrom: config.MAIL_FROM,
      },
    }),
  );
  app.use('/v1', authenticate);
  app.use('/v1', enforcePortalScope(orm));
  // Before the Idempotency-Key claim, so text that cannot be stored is refused before anything is written.
  app.use('/v1', refuseUnstorableText(routes));
  app.use('/v1', idempotency(orm, logger));
  app.use('/v1', subscriptionsRouter(orm, client, routes, config));
  app.use('/v1', settingsRouter(orm, routes, vatIdVerifier));
  app.use('/v1', accountingSettingsRouter(orm, routes));
  app.use('/v1', catalogRouter(orm, routes));
  app.use('/v1', customersRouter(orm, routes, gateway, vatIdVerifier));
  app.use('/v1', invoiceItemsRouter(orm, routes));
  app.use('/v1', invoicesRouter(orm, routes, client));
  app.use(
    '/v1',
    oneOffInvoicesRouter({ orm, client, taskQueue: config.TEMPORAL_TASK_QUEUE, logger, gateway }, routes),
  );
  app.use('/v1', paymentsRouter(orm, routes));
  const publish = createEventPublisher({ orm, client, logger, taskQueue: config.TEMPORAL_TASK_QUEUE });
  app.use('/v1', creditNotesRouter(orm, routes, { gateway, publish, mailer, logger }));
  app.use('/v1', refundsRouter(orm, routes, gateway, publish));
  app.use('/v1', metersRouter(orm, routes));
  app.use('/v1', disputesRouter(orm, routes));
  app.use('/v1', booksRouter(orm, routes));
  app.use('/v1', usageRouter(orm, routes));
  app.use('/v1', eventsRouter(orm, routes));
  app.use('/v1', portalSessionsRouter(orm, routes, keys, publicUrl));
  app.use('/v1', couponsRouter(orm, routes));
  app.use('/v1', webhookEndpointsRouter(orm, routes, client, config.TEMPORAL_TASK_QUEUE));
  app.use('/v1', testClocksRouter(orm, client, routes));
  app.use('/v1', analyticsRouter(orm, routes));
  app.use(notFoundRoute);
  app.use(undecodablePathError(routes));
  app.use(errorHandler(logger));
  return { app, routes };
}
