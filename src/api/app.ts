import { RequestContext } from '@mikro-orm/core';
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config';
import type { Orm } from '../db/orm.config';
import type { Logger } from '../logging';
import { requireApiKey } from './auth';
import { errorHandler, notFoundRoute } from './errors';
import { healthRouter } from './routes/health';
import { subscriptionsRouter } from './routes/subscriptions';

export interface AppDeps {
  orm: Orm;
  client: Client;
  logger: Logger;
  config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function createApp({ orm, client, logger, config }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    pinoHttp({
      logger,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      // A caller's own request id is kept so its logs and ours can be joined; anything else gets a fresh one.
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : `req_${randomUUID()}`;
        res.setHeader('Request-Id', id);
        return id;
      },
    }),
  );
  app.use(healthRouter(orm, client));
  app.use(express.json({ limit: '1mb', strict: true }));
  // One identity map per request.
  app.use((_req, _res, next) => RequestContext.create(orm.em, next));
  app.use('/v1', requireApiKey(orm));
  app.use('/v1/subscriptions', subscriptionsRouter(client, config));
  app.use(notFoundRoute);
  app.use(errorHandler(logger));
  return app;
}
