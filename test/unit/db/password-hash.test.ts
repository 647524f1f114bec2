import {
  BCRYPT_COST,
  hashPassword,
  needsRehash,
  passwordTooLong,
  verifyPassword,
} from '../../../src/db/services/password-hash';
import { legacyScryptHash } from '../../support/legacy-password-hash';

describe('console password hashes (bcrypt, scrypt from before still verified)', () => {
  test('a new hash is bcrypt at cost 12, verifies its password and nothing else, each with its own salt', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(BCRYPT_COST).toBe(12);
    expect(hash).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapl')).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
    expect(needsRehash(hash)).toBe(false);
  });

  test('an scrypt hash made before bcrypt still verifies its password, and asks to be replaced', async () => {
    const legacy = await legacyScryptHash('correct horse battery staple');
    expect(legacy).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword(legacy, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(legacy, 'correct horse battery stapl')).toBe(false);
    expect(needsRehash(legacy)).toBe(true);
  });

  test('a bcrypt hash of a lower cost asks to be replaced', async () => {
    // bcryptjs's output at cost 4 for "correct horse battery staple", recorded once.
    const cheap = '$2b$04$60q/U3A9GKs0cVxPrrWTleX5BpdZzTaztyMAEda2nPYEM89Z2Sc2.';
    expect(needsRehash(cheap)).toBe(true);
    expect(await verifyPassword(cheap, 'correct horse battery staple')).toBe(true);
  });

  test('a password longer than bcrypt reads (72 bytes) is refused, never cut', async () => {
    const long = 'ä'.repeat(37); // 74 bytes in UTF-8, 37 characters
    expect(passwordTooLong('a'.repeat(72))).toBe(false);
    expect(passwordTooLong(long)).toBe(true);
    await expect(hashPassword(long)).rejects.toThrow('at most 72 bytes');
    const hash = await hashPassword('ä'.repeat(36));
    expect(await verifyPassword(hash, 'ä'.repeat(36))).toBe(true);
    expect(await verifyPassword(hash, long)).toBe(false);
  });

  test('a hash in another format, or with parameters out of bounds, verifies nothing', async () => {
    const legacy = await legacyScryptHash('correct horse battery staple');
    const [, , , , salt, key] = legacy.split('$');
    expect(await verifyPassword(`$argon2id$v=19$m=65536,t=3,p=4$${salt}$${key}`, 'x')).toBe(false);
    expect(await verifyPassword(`scrypt$${2 ** 30}$8$1$${salt}$${key}`, 'correct horse battery staple')).toBe(
      false,
    );
    expect(await verifyPassword('scrypt$131072$8$1$$', 'correct horse battery staple')).toBe(false);
    expect(await verifyPassword('$2b$12$short', 'correct horse battery staple')).toBe(false);
    expect(await verifyPassword('', 'correct horse battery staple')).toBe(false);
  });
});
