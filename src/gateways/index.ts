import type { MikroORM } from '@mikro-orm/postgresql';
import { SandboxGateway } from './sandbox/sandbox-gateway';
import { StripeGateway, type StripeGatewayOptions } from './stripe/stripe-gateway';
import type { PaymentGateway } from './types';

export * from './types';
export * from './errors';
export * from './decline-codes';
export { chargeOnce } from './charge-once';
export {
  SandboxGateway,
  type SandboxGatewayOptions,
  type SignedWebhookDelivery,
} from './sandbox/sandbox-gateway';
export { TEST_TOKENS, TEST_TOKEN_NAMES, type TestTokenName } from './sandbox/test-tokens';
export { SANDBOX_SIGNATURE_HEADER } from './sandbox/webhook-signature';
export { StripeGateway, IDEMPOTENCY_METADATA_KEY, type StripeGatewayOptions } from './stripe/stripe-gateway';

/** Which gateway a deployment charges through; parsed from the environment by the one configuration module. */
export type GatewayConfig =
  { gateway: 'sandbox'; sandboxWebhookSecret: string } | ({ gateway: 'stripe' } & StripeGatewayOptions);

export function createGateway(config: GatewayConfig, deps: { orm: MikroORM }): PaymentGateway {
  switch (config.gateway) {
    case 'sandbox':
      return new SandboxGateway({ orm: deps.orm, webhookSecret: config.sandboxWebhookSecret });
    case 'stripe': {
      const { gateway: _gateway, ...options } = config;
      return new StripeGateway(options);
    }
  }
}
