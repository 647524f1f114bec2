import { z } from 'zod';
import type { GatewayConfig } from '../gateways';

/**
 * The one typed view of the environment. Worker, API and scripts read configuration only through here,
 * so every variable is named, parsed and documented in one place (README "Configuration").
 */
const port = z.coerce.number().int().min(0).max(65535);

/**
 * What runs the engine's workflows and how: the settings `npm start`, the worker and the benchmarks read before any
 * service is up (so they need no database or SMTP URL to be parsed).
 */
export const engineSchema = z.object({
  // `dev`: the Temporal CLI's dev server (SQLite); `server`: the Temporal server on PostgreSQL, as in production.
  TEMPORAL_BACKEND: z.enum(['dev', 'server']).default('dev'),
  // Worker processes on the task queue; unset: 1 for `npm run worker`, one per core for `npm start`.
  WORKER_PROCESSES: z.coerce.number().int().min(1).max(64).optional(),
  // Memory budget of each worker process's workflow cache, in MiB; unset: the SDK's default (sized by the heap).
  WORKER_CACHE_MB: z.coerce.number().int().min(0).max(1_000_000).optional(),
});

export type EngineSettings = z.infer<typeof engineSchema>;

export const configSchema = z
  .object({
    ...engineSchema.shape,
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z.string().url(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_CONNECT_WAIT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    DATABASE_QUERY_WAIT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
    TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('perennial'),
    TEMPORAL_API_KEY: z.string().min(1).optional(),
    TEMPORAL_TLS: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    SMTP_URL: z.string().url(),
    MAIL_FROM: z.string().min(3).default('Perennial <billing@perennial.localhost>'),
    API_HOST: z.string().min(1).default('0.0.0.0'),
    API_PORT: port.default(3000),
    PUBLIC_URL: z.string().url().default('http://localhost:3000'),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10000),
    PAYMENT_GATEWAY: z.enum(['sandbox', 'stripe']).default('sandbox'),
    SANDBOX_WEBHOOK_SECRET: z.string().min(16).optional(),
    STRIPE_SECRET_KEY: z.string().min(1).optional(),
    STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
    STRIPE_API_HOST: z.string().min(1).optional(),
    STRIPE_API_PORT: port.optional(),
    STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),
    // Off by default: with `vies`, a VAT id is checked against the EU's register before it is stored.
    VAT_ID_VERIFIER: z.enum(['none', 'vies']).default('none'),
    VIES_URL: z.string().url().default('https://ec.europa.eu/taxation_customs/vies/rest-api'),
    VIES_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  })
  // Secrets have no defaults: the chosen gateway's own must be set.
  .superRefine((config, ctx) => {
    const required =
      config.PAYMENT_GATEWAY === 'sandbox'
        ? (['SANDBOX_WEBHOOK_SECRET'] as const)
        : (['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const);
    for (const key of required) {
      if (!config[key]) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `required when PAYMENT_GATEWAY=${config.PAYMENT_GATEWAY}`,
        });
      }
    }
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadEngineSettings(env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const parsed = engineSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return parsed.data;
}

/** The pool size and the bounded waits the worker and the API open their database connections with. */
export function databaseOverrides(config: Config) {
  return {
    poolMax: config.DATABASE_POOL_MAX,
    connectTimeoutMs: config.DATABASE_CONNECT_WAIT_MS,
    queryTimeoutMs: config.DATABASE_QUERY_WAIT_MS,
  };
}

export function gatewayConfigFrom(config: Config): GatewayConfig {
  if (config.PAYMENT_GATEWAY === 'sandbox') {
    return { gateway: 'sandbox', sandboxWebhookSecret: config.SANDBOX_WEBHOOK_SECRET as string };
  }
  return {
    gateway: 'stripe',
    secretKey: config.STRIPE_SECRET_KEY as string,
    webhookSecret: config.STRIPE_WEBHOOK_SECRET as string,
    host: config.STRIPE_API_HOST,
    port: config.STRIPE_API_PORT,
    protocol: config.STRIPE_API_PROTOCOL,
  };
}
