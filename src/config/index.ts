import { z } from 'zod';
import type { GatewayConfig } from '../gateways';
import {
  DEFAULT_STICKY_QUEUE_TIMEOUT_MS,
  DEFAULT_WORKFLOW_WATCHDOG_MS,
  MAX_STICKY_QUEUE_TIMEOUT_MS,
  MAX_WORKFLOW_WATCHDOG_MS,
} from '../temporal/worker-tuning';

/**
 * The one typed view of the environment. Worker, API and scripts read configuration only through here,
 * so every variable is named, parsed and documented in one place (README "Configuration").
 */
const port = z.coerce.number().int().min(0).max(65535);

/** `host:port` or `[ipv6]:port` as the host and port a server listens on. */
export function hostAndPort(bind: string): { host: string; port: number } {
  const colon = bind.lastIndexOf(':');
  return { host: bind.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(bind.slice(colon + 1)) };
}
/**
 * What runs the engine's workflows and how, and the services `npm start` runs beside them: the settings `npm start`,
 * the worker and the benchmarks read before any service is up (so they need no database or SMTP URL to be parsed).
 */
export const engineSchema = z.object({
  // `dev`: the Temporal CLI's dev server (SQLite); `server`: the Temporal server on PostgreSQL, as in production.
  TEMPORAL_BACKEND: z.enum(['dev', 'server']).default('dev'),
  // Worker processes on the task queue; unset: 1 for `npm run worker`, one per core for `npm start`.
  WORKER_PROCESSES: z.coerce.number().int().min(1).max(64).optional(),
  // Memory budget of each worker process's workflow cache, in MiB; unset: the SDK's default (sized by the heap).
  WORKER_CACHE_MB: z.coerce.number().int().min(0).max(1_000_000).optional(),
  // V8 old-space limit of each forked worker process, in MiB; unset: V8's default (a quarter of the machine's memory
  // up to 4 GiB), which lets the heap grow far past its live set before a full collection.
  WORKER_HEAP_MB: z.coerce.number().int().min(128).max(1_000_000).optional(),
  // How long a workflow task waits on its worker's sticky queue before the server hands it to any worker.
  WORKER_STICKY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(MAX_STICKY_QUEUE_TIMEOUT_MS)
    .default(DEFAULT_STICKY_QUEUE_TIMEOUT_MS),
  // How long one entry into the workflow sandbox may run before its workflow task fails; 0: no watchdog.
  WORKER_WORKFLOW_WATCHDOG_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_WORKFLOW_WATCHDOG_MS)
    .default(DEFAULT_WORKFLOW_WATCHDOG_MS),
  // How many of the emails it caught `npm start`'s SMTP catcher keeps in memory, the newest; older ones are dropped.
  SMTP_CATCHER_KEEP: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
});

export type EngineSettings = z.infer<typeof engineSchema>;

export const configSchema = z
  .object({
    ...engineSchema.shape,
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Unset: `pretty` under NODE_ENV=development (npm start), `json` otherwise (see logFormatOf).
    LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
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
    // Loopback unless told otherwise: every interface is a deliberate choice (containers set 0.0.0.0).
    API_HOST: z.string().min(1).default('127.0.0.1'),
    API_PORT: port.default(3000),
    // `host:port` of a separate listener for /metrics without a key; unset, /metrics is on the API with a secret key.
    METRICS_BIND: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'host:port, e.g. 127.0.0.1:9464')
      .refine((bind) => hostAndPort(bind).port <= 65535, 'the port is at most 65535')
      .optional(),
    // How long a verified API key or portal token is trusted without asking PostgreSQL again; 0 asks every time.
    API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
    AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
    // Proxy hops in front of the API whose X-Forwarded-For is believed, so limits apply to clients, not the proxy.
    TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
    PUBLIC_URL: z.string().url().default('http://localhost:3000'),
    PORTAL_LINK_SECRET: z
      .string()
      .min(32)
      .optional()
      .describe('HMAC key of the signed portal links in emails; worker and API need the same'),
    TEMPORAL_UI_URL: z
      .string()
      .url()
      .optional()
      .describe("The Temporal Web UI the console links each subscription's workflow to"),
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
    if (config.NODE_ENV === 'production' && !config.PORTAL_LINK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['PORTAL_LINK_SECRET'],
        message: 'required in production: emails link customers into the portal with it',
      });
    }
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

/** Readable lines for a developer's terminal, JSON wherever a machine reads the logs. */
export function logFormatOf(config: Pick<Config, 'LOG_FORMAT' | 'NODE_ENV'>): 'pretty' | 'json' {
  return config.LOG_FORMAT ?? (config.NODE_ENV === 'development' ? 'pretty' : 'json');
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
