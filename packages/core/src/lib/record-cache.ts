import { accountKey, type CredentialKey, type CredentialRecord } from "@credstack/storage";

/** Slot string of a key (normal form). @internal */
export function slotOf(key: CredentialKey): string {
  return `${key.provider}\u0000${accountKey(key.account)}`;
}

/**
 * A small cache of opened records, so a hot `resolve()` does not decrypt on every call. Entries live at
 * most `ttlMs` (bounding staleness against writes from other processes) — between 75 % and 100 % of it,
 * at random, so that entries filled together do not all expire together and send a burst of reads to
 * the store; every write this process makes replaces the entry, and a conflict or delete drops it.
 * @internal
 */
export class RecordCache {
  readonly #entries = new Map<string, { record: CredentialRecord | undefined; until: number }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(ttlMs: number, max: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#now = now;
  }

  /** The cached record (or cached absence) of `slot`, if still valid. */
  get(slot: string): { record: CredentialRecord | undefined } | undefined {
    if (this.#ttlMs <= 0) return undefined;
    const entry = this.#entries.get(slot);
    if (entry === undefined) return undefined;
    if (entry.until <= this.#now()) {
      this.#entries.delete(slot);
      return undefined;
    }
    return entry;
  }

  /** Remembers what a read found under `slot` (a read never replaces a newer cached version). */
  set(slot: string, record: CredentialRecord | undefined): void {
    const current = this.#entries.get(slot)?.record;
    if (record !== undefined && current !== undefined && current.version > record.version) return;
    this.replace(slot, record);
  }

  /** Remembers what this process just wrote (or deleted) under `slot`. */
  replace(slot: string, record: CredentialRecord | undefined): void {
    if (this.#ttlMs <= 0) return;
    if (this.#entries.size >= this.#max && !this.#entries.has(slot)) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const lifetime = this.#ttlMs * (0.75 + Math.random() * 0.25);
    this.#entries.set(slot, { record, until: this.#now() + lifetime });
  }

  /** Forgets `slot`. */
  delete(slot: string): void {
    this.#entries.delete(slot);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }
}
