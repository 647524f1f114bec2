import { signedPortalUrl, verifyPortalLink } from '../../../src/portal/links';

const secret = 'unit-test-portal-link-secret-0123456789';
const now = new Date('2027-03-01T12:00:00.000Z');

describe('signed portal links', () => {
  const link = signedPortalUrl({
    publicUrl: 'https://billing.example.com/',
    secret,
    customerId: 'cus_0123456789abcdef01234567',
    target: { page: 'subscription', subscriptionId: 'sub_0123456789abcdef01234567' },
    linkId: 'payment_failed:in_1',
    now,
  });
  const token = link.slice('https://billing.example.com/portal/link/'.length);

  test('verify what was signed: the customer, the page, the link id, and seven days by default', () => {
    expect(link.startsWith('https://billing.example.com/portal/link/')).toBe(true);
    expect(verifyPortalLink(token, secret, now)).toEqual({
      ok: true,
      customerId: 'cus_0123456789abcdef01234567',
      path: '/portal/subscriptions/sub_0123456789abcdef01234567',
      linkId: 'payment_failed:in_1',
      expiresAt: new Date('2027-03-08T12:00:00.000Z'),
    });
  });

  test('a link is invalid under another secret or with any byte changed, and expired at its expiry', () => {
    expect(verifyPortalLink(token, `${secret}x`, now)).toEqual({ ok: false, reason: 'invalid' });
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${payload.slice(0, -1)}${payload.endsWith('A') ? 'B' : 'A'}.${signature}`;
    expect(verifyPortalLink(flipped, secret, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyPortalLink(`${payload}.`, secret, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyPortalLink('garbage', secret, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyPortalLink(token, secret, new Date('2027-03-08T12:00:00.000Z'))).toEqual({
      ok: false,
      reason: 'expired',
      customerId: 'cus_0123456789abcdef01234567',
    });
  });

  test('only portal pages can be targets', () => {
    expect(() =>
      signedPortalUrl({
        publicUrl: 'https://billing.example.com',
        secret,
        customerId: 'cus_1',
        target: { page: 'invoice', invoiceId: '../admin' },
      }),
    ).toThrow(RangeError);
  });
});
