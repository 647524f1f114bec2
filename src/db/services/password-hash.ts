import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes for console users, with Node's own scrypt: no native addon to build or to trust (argon2's prebuilt
 * binary crashed this project's Node on load). Parameters are OWASP's minimum for scrypt (N = 2^17, r = 8, p = 1,
 * 128 MiB per hash) and are stored with each hash, so raising them later leaves old hashes verifiable.
 * Format: `scrypt$<N>$<r>$<p>$<salt, base64url>$<key, base64url>`.
 */
const COST = 2 ** 17;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, cost: number, blockSize: number, parallelism: number) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      KEY_LENGTH,
      // scrypt needs 128 × N × r bytes; Node's default ceiling (32 MiB) is below that.
      { N: cost, r: blockSize, p: parallelism, maxmem: 256 * cost * blockSize },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST, BLOCK_SIZE, PARALLELISM);
  return [
    'scrypt',
    COST,
    BLOCK_SIZE,
    PARALLELISM,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

/** Whether the password is the one hashed; false for a hash in any other format. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const [scheme, cost, blockSize, parallelism, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const [n, r, p] = [Number(cost), Number(blockSize), Number(parallelism)];
  if (![n, r, p].every(Number.isSafeInteger) || n > 2 ** 20 || r > 16 || p > 4) return false;
  const expected = Buffer.from(key, 'base64url');
  const given = await derive(password, Buffer.from(salt, 'base64url'), n, r, p);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
