import { InvalidArgumentError } from "@credstack/errors";
/** Limits of the data-key cache. */
export interface DataKeyCacheOptions {
  /**
   * How long a data key may be used to seal, and how long a decrypted data key is kept, in milliseconds.
   * @default 300000 (5 minutes)
   */
  maxAgeMs?: number;
  /**
   * How many records one data key may seal before a new one is generated.
   * @default 1000
   */
  maxRecordsPerKey?: number;
  /**
   * How many data keys (for sealing and for opening, each) are kept at most; the least recently used
   * is evicted first.
   * @default 1000
   */
  maxEntries?: number;
}

/** A plaintext data key with its KMS-encrypted form. @internal */
export interface CachedDataKey {
  readonly plaintext: Buffer;
  readonly encrypted: Uint8Array;
  readonly createdAt: number;
  uses: number;
}

/** Resolved cache limits, with their documented defaults. @internal */
export function cacheLimits(options: DataKeyCacheOptions = {}): Required<DataKeyCacheOptions> {
  const limits = {
    maxAgeMs: options.maxAgeMs ?? 300_000,
    maxRecordsPerKey: options.maxRecordsPerKey ?? 1000,
    maxEntries: options.maxEntries ?? 1000,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isFinite(value) || value < 0)
      throw new InvalidArgumentError(`kmsCipher() cache.${name} must be a number >= 0.`);
  }
  return limits;
}

/**
 * A bounded LRU of plaintext data keys. Evicted and expired keys are zeroed (`Buffer.fill(0)`) so they do
 * not linger in memory longer than the policy allows (as far as Node lets us: copies made inside
 * `node:crypto` are out of reach).
 * @internal
 */
export class DataKeyCache {
  readonly #entries = new Map<string, CachedDataKey>();
  readonly #limits: Required<DataKeyCacheOptions>;
  readonly #now: () => number;

  constructor(limits: Required<DataKeyCacheOptions>, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /** A live entry under `id`, refreshed as most recently used; expired or used-up entries are dropped. */
  get(id: string, forSealing: boolean): CachedDataKey | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    const expired = this.#now() - entry.createdAt >= this.#limits.maxAgeMs;
    const usedUp = forSealing && entry.uses >= this.#limits.maxRecordsPerKey;
    if (expired || usedUp) {
      this.delete(id);
      return undefined;
    }
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry;
  }

  /** Adds an entry, evicting the least recently used beyond `maxEntries`. */
  set(id: string, entry: CachedDataKey): void {
    if (this.#limits.maxEntries === 0 || this.#limits.maxAgeMs === 0) return;
    this.delete(id);
    this.#entries.set(id, entry);
    while (this.#entries.size > this.#limits.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  /** Removes and zeroes one entry. */
  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    // Only zero keys no other entry shares (the sealing and opening caches may hold the same buffer).
    entry.plaintext.fill(0);
  }

  /** Removes and zeroes everything. */
  clear(): void {
    for (const id of [...this.#entries.keys()]) this.delete(id);
  }

  /** Number of live entries (for tests). */
  get size(): number {
    return this.#entries.size;
  }
}
