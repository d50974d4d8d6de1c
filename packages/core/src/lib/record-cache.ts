import { accountKey, type CredentialKey, type CredentialRecord, type StoreChange } from "@credstack/storage";

/** How many slot strings {@link slotOf} remembers before it starts over. */
const maxRememberedSlots = 4096;
/** Slot strings by provider, then account as given: normalising an account (NFC, checks) costs per call. */
const slots = new Map<string, Map<string, string>>();
let rememberedSlots = 0;

/** Slot string of a key (normal form). @internal */
export function slotOf(key: CredentialKey): string {
  const { provider, account } = key;
  const known = slots.get(provider)?.get(account);
  if (known !== undefined) return known;
  const slot = `${provider}\u0000${accountKey(account)}`; // throws for an unusable account: nothing kept
  if (typeof provider === "string") {
    if (rememberedSlots >= maxRememberedSlots) {
      slots.clear();
      rememberedSlots = 0;
    }
    let byAccount = slots.get(provider);
    if (byAccount === undefined) {
      byAccount = new Map();
      slots.set(provider, byAccount);
    }
    byAccount.set(account, slot);
    rememberedSlots++;
  }
  return slot;
}

/**
 * A small cache of opened records, so a hot `resolve()` does not decrypt on every call. Only records are
 * cached, never the absence of one: a credential another process just wrote is found on the very next
 * read. Entries live at most `ttlMs` — between 75 % and 100 % of it, at random, so that entries filled
 * together do not all expire together and send a burst of reads to the store. That lifetime bounds
 * staleness against other processes' writes when the store cannot report changes; when it can
 * (`store.watch`), {@link RecordCache.invalidate} drops an entry as soon as the change is reported.
 * Every write this process makes replaces the entry; a conflict or delete drops it.
 * @internal
 */
export class RecordCache {
  readonly #entries = new Map<string, { record: CredentialRecord; until: number }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  #generation = 0;

  constructor(ttlMs: number, max: number, now: () => number) {
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#now = now;
  }

  /**
   * A counter that moves on every invalidation: a read takes it before asking the store and hands it to
   * {@link RecordCache.set}, so an answer that may predate a reported change is not cached.
   */
  get generation(): number {
    return this.#generation;
  }

  /** The cached record of `slot`, if still valid. */
  get(slot: string): { record: CredentialRecord } | undefined {
    if (this.#ttlMs <= 0) return undefined;
    const entry = this.#entries.get(slot);
    if (entry === undefined) return undefined;
    if (entry.until <= this.#now()) {
      this.#entries.delete(slot);
      return undefined;
    }
    return entry;
  }

  /**
   * Remembers what a read found under `slot`: never an absence, never over a newer cached version, and
   * not at all when a change was reported since the read began (`generation` taken before it).
   */
  set(slot: string, record: CredentialRecord | undefined, generation = this.#generation): void {
    if (generation !== this.#generation) return;
    if (record === undefined) {
      this.#entries.delete(slot);
      return;
    }
    const current = this.#entries.get(slot)?.record;
    if (current !== undefined && current.version > record.version) return;
    this.replace(slot, record);
  }

  /** Remembers what this process just wrote (or, `undefined`, deleted) under `slot`. */
  replace(slot: string, record: CredentialRecord | undefined): void {
    if (record === undefined || this.#ttlMs <= 0) {
      this.#entries.delete(slot);
      return;
    }
    if (this.#entries.size >= this.#max && !this.#entries.has(slot)) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const lifetime = this.#ttlMs * (0.75 + Math.random() * 0.25);
    this.#entries.set(slot, { record, until: this.#now() + lifetime });
  }

  /**
   * Applies a change the store reported: drops the key's entry unless it already holds that version or
   * a newer one; a change without a key drops everything.
   */
  invalidate(change: StoreChange): void {
    this.#generation++;
    if (change.key === undefined) {
      this.#entries.clear();
      return;
    }
    const slot = slotOf(change.key);
    const cached = this.#entries.get(slot)?.record;
    if (cached !== undefined && change.version !== undefined && cached.version >= change.version) return;
    this.#entries.delete(slot);
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
