import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Verifies an outbound Perennial webhook on the receiver's side. Self-contained (only `node:crypto`), so a
 * receiver can copy this file instead of depending on Perennial. Usage: docs/webhooks.md.
 */

export const PERENNIAL_SIGNATURE_HEADER = 'perennial-signature';

export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureFailureReason =
  'missing_header' | 'malformed_header' | 'timestamp_outside_tolerance' | 'no_matching_signature';

export class WebhookSignatureError extends Error {
  constructor(
    readonly reason: SignatureFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

export interface VerifyOptions {
  /** How far the signed timestamp may be from `now`, either way; older deliveries are treated as replays. */
  toleranceSeconds?: number;
  now?: Date;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`; the timestamp is inside the MAC, so it cannot be moved. */
export function perennialSignature(secret: string, rawBody: string | Buffer, timestamp: number): string {
  return `t=${timestamp},v1=${mac(secret, rawBody, timestamp).toString('hex')}`;
}

function mac(secret: string, rawBody: string | Buffer, timestamp: number): Buffer {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`)
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest();
}

/**
 * Returns `true` when `header` carries a valid signature of exactly `rawBody` made within the tolerance, and
 * throws a `WebhookSignatureError` naming the reason otherwise. Pass the body exactly as received: re-serialized
 * JSON differs in whitespace or key order and will not verify.
 */
export function verifyPerennialSignature(
  rawBody: string | Buffer,
  header: string | null | undefined,
  secret: string,
  { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = new Date() }: VerifyOptions = {},
): true {
  if (!header) throw new WebhookSignatureError('missing_header', 'No Perennial-Signature header');
  let timestamp = NaN;
  const signatures: string[] = [];
  for (const item of header.split(',')) {
    const index = item.indexOf('=');
    if (index <= 0) continue;
    const key = item.slice(0, index).trim();
    const value = item.slice(index + 1).trim();
    if (key === 't' && Number.isNaN(timestamp) && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    // Several v1 entries appear while a secret is being rolled; any one of them may match.
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (Number.isNaN(timestamp) || signatures.length === 0) {
    throw new WebhookSignatureError('malformed_header', 'Perennial-Signature needs t=<seconds> and v1=<hex>');
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    throw new WebhookSignatureError(
      'timestamp_outside_tolerance',
      `Signature timestamp ${timestamp} is more than ${toleranceSeconds}s from now (${nowSeconds})`,
    );
  }
  const expected = mac(secret, rawBody, timestamp);
  // Compare every candidate, so the time taken does not reveal which one (if any) matched.
  let matched = false;
  for (const signature of signatures) {
    if (timingSafeEqual(Buffer.from(signature, 'hex'), expected)) matched = true;
  }
  if (!matched) {
    throw new WebhookSignatureError('no_matching_signature', 'No signature matches the body and secret');
  }
  return true;
}
