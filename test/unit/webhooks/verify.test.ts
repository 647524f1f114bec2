import {
  perennialSignature,
  verifyPerennialSignature,
  WebhookSignatureError,
  type SignatureFailureReason,
} from '../../../src/webhooks/verify';

const secret = 'whsec_0123456789abcdef';
const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid', created: 1_800_000_000, data: { a: 1 } });
const t = 1_800_000_000;
const at = (seconds: number) => new Date(seconds * 1000);

function reasonOf(run: () => unknown): SignatureFailureReason | 'accepted' {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (error instanceof WebhookSignatureError) return error.reason;
    throw error;
  }
}

describe('verifyPerennialSignature', () => {
  const header = perennialSignature(secret, body, t);

  it('accepts a signature of exactly this body made within the tolerance, as a string or a Buffer', () => {
    expect(verifyPerennialSignature(body, header, secret, { now: at(t + 10) })).toBe(true);
    expect(verifyPerennialSignature(Buffer.from(body), header, secret, { now: at(t - 10) })).toBe(true);
  });

  it('has the documented format: t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
  });

  it('rejects a changed body, another secret, or a moved timestamp', () => {
    expect(reasonOf(() => verifyPerennialSignature(`${body} `, header, secret, { now: at(t) }))).toBe(
      'no_matching_signature',
    );
    expect(reasonOf(() => verifyPerennialSignature(body, header, 'whsec_other', { now: at(t) }))).toBe(
      'no_matching_signature',
    );
    const moved = header.replace(`t=${t}`, `t=${t + 60}`);
    expect(reasonOf(() => verifyPerennialSignature(body, moved, secret, { now: at(t + 60) }))).toBe(
      'no_matching_signature',
    );
  });

  it('rejects a replay older than the tolerance (default 300 s) and a timestamp too far ahead', () => {
    expect(reasonOf(() => verifyPerennialSignature(body, header, secret, { now: at(t + 300) }))).toBe(
      'accepted',
    );
    expect(reasonOf(() => verifyPerennialSignature(body, header, secret, { now: at(t + 301) }))).toBe(
      'timestamp_outside_tolerance',
    );
    expect(reasonOf(() => verifyPerennialSignature(body, header, secret, { now: at(t - 301) }))).toBe(
      'timestamp_outside_tolerance',
    );
    expect(
      reasonOf(() =>
        verifyPerennialSignature(body, header, secret, { now: at(t + 3600), toleranceSeconds: 3600 }),
      ),
    ).toBe('accepted');
  });

  it('rejects a missing or malformed header', () => {
    expect(reasonOf(() => verifyPerennialSignature(body, undefined, secret))).toBe('missing_header');
    expect(reasonOf(() => verifyPerennialSignature(body, '', secret))).toBe('missing_header');
    for (const bad of ['garbage', `t=${t}`, 'v1=abcd', `t=soon,v1=${'a'.repeat(64)}`, `t=${t},v1=xyz`]) {
      expect(reasonOf(() => verifyPerennialSignature(body, bad, secret, { now: at(t) }))).toBe(
        'malformed_header',
      );
    }
  });

  it('accepts any one of several v1 signatures, as sent while a secret is rolled', () => {
    const other = perennialSignature('whsec_previous', body, t).split(',')[1];
    expect(verifyPerennialSignature(body, `${header},${other}`, secret, { now: at(t) })).toBe(true);
    expect(
      verifyPerennialSignature(body, `t=${t},${other},${header.split(',')[1]}`, secret, { now: at(t) }),
    ).toBe(true);
  });
});
