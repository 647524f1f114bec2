/** What the API needs to know about a verified key: who it is and until when it may act. */
export interface VerifiedKey {
  id: string;
  /** Set for a portal session: the one customer it acts for. */
  customerId: string | null;
  /** Epoch milliseconds after which the key is refused (portal sessions), or null. */
  expiresAt: number | null;
}

/**
 * Keys verified against PostgreSQL in the last `ttlMs`, by their hash, so a request does not query the database
 * to authenticate. Only keys that were found active are kept: an unknown key is asked about every time (failed
 * attempts are throttled per address instead), so a key created a moment ago works at once.
 *
 * What a cached key can still do: an expiry is checked on every request, so an expired portal session is refused
 * on time; a revocation written elsewhere (`npm run keys:revoke`, another API process) is seen within `ttlMs` at
 * most; a revocation through this process (`forget`) at once. The number of entries is bounded, oldest out first.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { key: VerifiedKey; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(keyHash: string): VerifiedKey | undefined {
    const entry = this.entries.get(keyHash);
    if (!entry) return undefined;
    const now = this.now();
    if (entry.until <= now || (entry.key.expiresAt !== null && entry.key.expiresAt <= now)) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return entry.key;
  }

  remember(keyHash: string, key: VerifiedKey): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(keyHash);
    if (this.entries.size >= this.maxEntries) {
      // A Map iterates in insertion order: the first entry is the one verified longest ago.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(keyHash, { key, until: this.now() + this.ttlMs });
  }

  forget(keyHash: string): void {
    this.entries.delete(keyHash);
  }

  get size(): number {
    return this.entries.size;
  }
}
