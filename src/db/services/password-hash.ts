import { scrypt, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';

/**
 * Password hashes for console users: bcrypt through `bcryptjs` (pure JavaScript, so no native addon to build or to
 * trust: argon2's prebuilt binary crashed this project's Node on load). Cost 12 (2^12 rounds, OWASP asks for at
 * least 10); the cost is stored in each hash, so raising it later leaves old hashes verifiable and `needsRehash`
 * upgrades them at the next sign-in.
 *
 * Hashes made before bcrypt are scrypt (`scrypt$<N>$<r>$<p>$<salt, base64url>$<key, base64url>`): they still
 * verify, and a successful sign-in replaces them with a bcrypt hash.
 */
export const BCRYPT_COST = 12;

/** bcrypt reads at most 72 bytes of a password; a longer one would be cut silently, so it is refused instead. */
export const MAX_PASSWORD_BYTES = 72;

export function passwordTooLong(password: string): boolean {
  return bcrypt.truncates(password.normalize('NFC'));
}

export async function hashPassword(password: string): Promise<string> {
  const normalized = password.normalize('NFC');
  if (bcrypt.truncates(normalized)) {
    throw new RangeError(`A password may have at most ${MAX_PASSWORD_BYTES} bytes`);
  }
  return bcrypt.hash(normalized, BCRYPT_COST);
}

/** Whether the password is the one hashed (bcrypt, or an scrypt hash from before); false for any other format. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const normalized = password.normalize('NFC');
  if (isBcrypt(stored)) {
    // A password longer than bcrypt reads could match by its first 72 bytes alone; none was ever hashed.
    if (bcrypt.truncates(normalized)) return false;
    return bcrypt.compare(normalized, stored);
  }
  if (stored.startsWith('scrypt$')) return verifyScrypt(stored, normalized);
  return false;
}

/** Whether a hash that just verified should be replaced: any scrypt hash, or bcrypt below today's cost. */
export function needsRehash(stored: string): boolean {
  return !isBcrypt(stored) || bcrypt.getRounds(stored) < BCRYPT_COST;
}

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

function isBcrypt(stored: string): boolean {
  return BCRYPT_HASH.test(stored);
}

const SCRYPT_KEY_LENGTH = 32;

async function verifyScrypt(stored: string, password: string): Promise<boolean> {
  const [, cost, blockSize, parallelism, salt, key] = stored.split('$');
  if (!salt || !key) return false;
  const [n, r, p] = [Number(cost), Number(blockSize), Number(parallelism)];
  if (![n, r, p].every(Number.isSafeInteger) || n > 2 ** 20 || r > 16 || p > 4) return false;
  const expected = Buffer.from(key, 'base64url');
  const given = await new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password,
      Buffer.from(salt, 'base64url'),
      SCRYPT_KEY_LENGTH,
      // scrypt needs 128 × N × r bytes; Node's default ceiling (32 MiB) is below that.
      { N: n, r, p, maxmem: 256 * n * r },
      (error, derived) => (error ? reject(error) : resolve(derived)),
    ),
  );
  return expected.length === given.length && timingSafeEqual(expected, given);
}
