import { ApiKeyCache, type VerifiedKey } from '../../../src/api/api-key-cache';

/** A clock the test moves by hand, so no assertion depends on how fast the machine is. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const secretKey: VerifiedKey = { id: 'key-1', customerId: null, expiresAt: null };

describe('ApiKeyCache', () => {
  test('trusts a verified key for its lifetime, then asks again', () => {
    const clock = manualClock();
    const cache = new ApiKeyCache(5_000, 100, clock.now);
    cache.remember('hash-1', secretKey);
    clock.advance(4_999);
    expect(cache.get('hash-1')).toEqual(secretKey);
    clock.advance(1);
    expect(cache.get('hash-1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('refuses a portal session from the instant it expires, even while the entry is fresh', () => {
    const clock = manualClock();
    const cache = new ApiKeyCache(60_000, 100, clock.now);
    const portal = { id: 'key-2', customerId: 'cus_1', expiresAt: clock.now() + 1_000 };
    cache.remember('hash-2', portal);
    clock.advance(999);
    expect(cache.get('hash-2')).toEqual(portal);
    clock.advance(1);
    expect(cache.get('hash-2')).toBeUndefined();
  });

  test('forgets a revoked key at once', () => {
    const cache = new ApiKeyCache(60_000);
    cache.remember('hash-1', secretKey);
    cache.forget('hash-1');
    expect(cache.get('hash-1')).toBeUndefined();
  });

  test('a lifetime of 0 keeps nothing: every request asks the database', () => {
    const cache = new ApiKeyCache(0);
    cache.remember('hash-1', secretKey);
    expect(cache.get('hash-1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  test('holds at most its bound, dropping the key verified longest ago', () => {
    const clock = manualClock();
    const cache = new ApiKeyCache(60_000, 2, clock.now);
    cache.remember('a', { ...secretKey, id: 'a' });
    cache.remember('b', { ...secretKey, id: 'b' });
    // Verified again: now the most recent.
    cache.remember('a', { ...secretKey, id: 'a' });
    cache.remember('c', { ...secretKey, id: 'c' });
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.id).toBe('a');
    expect(cache.get('c')?.id).toBe('c');
  });
});
