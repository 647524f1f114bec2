import { randomBytes, scrypt } from 'node:crypto';

/**
 * A console password hash exactly as Perennial made them before bcrypt (Node's scrypt, N = 2^17, r = 8, p = 1, a
 * 16-byte salt, a 32-byte key): `scrypt$131072$8$1$<salt>$<key>`, both base64url. Rebuilt here, independently of
 * `src/db/services/password-hash.ts`, so the tests prove that such stored hashes keep working.
 */
export function legacyScryptHash(password: string): Promise<string> {
  const salt = randomBytes(16);
  const [n, r, p] = [2 ** 17, 8, 1];
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, 32, { N: n, r, p, maxmem: 256 * n * r }, (error, key) =>
      error
        ? reject(error)
        : resolve(['scrypt', n, r, p, salt.toString('base64url'), key.toString('base64url')].join('$')),
    ),
  );
}
