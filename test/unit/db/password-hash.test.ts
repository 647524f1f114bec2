import { hashPassword, verifyPassword } from '../../../src/db/services/password-hash';

describe('console password hashes (scrypt)', () => {
  test('verify the password they were made from and nothing else; each hash has its own salt', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapl')).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
  });

  test('a hash in another format, or with parameters out of bounds, verifies nothing', async () => {
    const hash = await hashPassword('correct horse battery staple');
    const [, , , , salt, key] = hash.split('$');
    expect(await verifyPassword(`$argon2id$v=19$m=65536,t=3,p=4$${salt}$${key}`, 'x')).toBe(false);
    expect(await verifyPassword(`scrypt$${2 ** 30}$8$1$${salt}$${key}`, 'correct horse battery staple')).toBe(
      false,
    );
    expect(await verifyPassword('scrypt$131072$8$1$$', 'correct horse battery staple')).toBe(false);
  });
});
