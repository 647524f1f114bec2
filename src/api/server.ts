import express from 'express';
import type { Server } from 'node:http';
import {
  type Config,
  databaseOverrides,
  gatewayConfigFrom,
  hostAndPort,
  loadConfig,
  logFormatOf,
} from '../config';
import { createGateway } from '../gateways';
import { initOrm } from '../db/orm.config';
import { createLogger } from '../logging';
import { createVatIdVerifier } from '../tax';
import { createMailer } from '../mail/mailer';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';
import { createMetrics } from './metrics';

export interface RunningApi {
  server: Server;
  url: string;
  /** The listener of `/metrics` when `METRICS_BIND` gives it one of its own. */
  metricsServer: Server | null;
  close(): Promise<void>;
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
}

async function stop(listener: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
  listener.closeIdleConnections();
  await closed;
}

const portOf = (server: Server, fallback: number): number => {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : fallback;
};

/** Starts the API process against the configured database and Temporal; `close` stops taking requests first. */
export async function startApi(config: Config): Promise<RunningApi> {
  const logger = createLogger(config.LOG_LEVEL, 'perennial-api', logFormatOf(config));
  const orm = await initOrm(config.DATABASE_URL, databaseOverrides(config));
  const client = await connectClient(config);
  // Gateway webhooks about disputes notify the seller from the API process itself.
  const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM);
  const metrics = createMetrics(orm);
  const app = createApp({
    orm,
    client,
    logger,
    config,
    gateway: createGateway(gatewayConfigFrom(config), { orm }),
    vatIdVerifier: createVatIdVerifier(config),
    mailer,
    metrics,
  });
  const server = await listen(app, config.API_PORT, config.API_HOST);
  const port = portOf(server, config.API_PORT);
  logger.info({ host: config.API_HOST, port }, 'api listening');
  let metricsServer: Server | null = null;
  if (config.METRICS_BIND) {
    // Nothing but the scrape, without a key: for an address only the monitoring network reaches.
    const scrape = express();
    scrape.disable('x-powered-by');
    scrape.use(metrics.router);
    const bind = hostAndPort(config.METRICS_BIND);
    metricsServer = await listen(scrape, bind.port, bind.host).catch(async (error: unknown) => {
      await stop(server);
      throw error;
    });
    logger.info({ host: bind.host, port: portOf(metricsServer, bind.port) }, 'metrics listening');
  }
  // A wildcard address is reached on loopback; a specific one as it is.
  const host = ['0.0.0.0', '::'].includes(config.API_HOST) ? '127.0.0.1' : config.API_HOST;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    metricsServer,
    async close() {
      await Promise.all([stop(server), ...(metricsServer ? [stop(metricsServer)] : [])]);
      mailer.close();
      await client.connection.close();
      await orm.close(true);
    },
  };
}

if (require.main === module) {
  const config = loadConfig();
  startApi(config)
    .then((api) => {
      const stop = () => {
        api.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
