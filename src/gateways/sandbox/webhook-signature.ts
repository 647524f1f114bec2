import { createHmac, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors';

export const SANDBOX_SIGNATURE_HEADER = 'perennial-sandbox-signature';

/** The same scheme as Stripe's (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`), so the timestamp is signed too. */
function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signSandboxPayload(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * Throws unless the header carries a valid signature of exactly this body made within the tolerance. The
 * tolerance is what makes a captured delivery useless for a replay later.
 */
export function verifySandboxSignature(
  secret: string,
  body: string,
  header: string | undefined,
  nowSeconds: number,
  toleranceSeconds: number,
): void {
  if (!header)
    throw new GatewayError('invalid_webhook_signature', `Missing ${SANDBOX_SIGNATURE_HEADER} header`);
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const index = item.indexOf('=');
    if (index <= 0) continue;
    const key = item.slice(0, index).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(index + 1).trim()]);
  }
  const timestampText = parts.get('t')?.[0];
  const timestamp = timestampText && /^\d+$/.test(timestampText) ? Number(timestampText) : NaN;
  const signatures = parts.get('v1') ?? [];
  if (!Number.isSafeInteger(timestamp) || signatures.length === 0) {
    throw new GatewayError('invalid_webhook_signature', 'Malformed sandbox signature header');
  }
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new GatewayError(
      'invalid_webhook_signature',
      'Sandbox signature timestamp is outside the tolerance',
    );
  }
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches)
    throw new GatewayError('invalid_webhook_signature', 'Sandbox signature does not match the payload');
}
