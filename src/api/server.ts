import type { Server } from 'node:http';
import { type Config, databaseOverrides, gatewayConfigFrom, loadConfig } from '../config';
import { createGateway } from '../gateways';
import { initOrm } from '../db/orm.config';
import { createLogger } from '../logging';
import { createVatIdVerifier } from '../tax';
import { createMailer } from '../mail/mailer';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Starts the API process against the configured database and Temporal; `close` stops taking requests first. */
export async function startApi(config: Config): Promise<RunningApi> {
  const logger = createLogger(config.LOG_LEVEL, 'perennial-api');
  const orm = await initOrm(config.DATABASE_URL, databaseOverrides(config));
  const client = await connectClient(config);
  // Gateway webhooks about disputes notify the seller from the API process itself.
  const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM);
  const app = createApp({
    orm,
    client,
    logger,
    config,
    gateway: createGateway(gatewayConfigFrom(config), { orm }),
    vatIdVerifier: createVatIdVerifier(config),
    mailer,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.API_PORT, config.API_HOST, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.API_PORT;
  logger.info({ port }, 'api listening');
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
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
