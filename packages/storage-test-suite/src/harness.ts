import type { Cipher, CredentialKey, CredentialStore } from "@credstack/storage";

/** What the suite passes to {@link StoreHarness.open}. */
export interface OpenContext {
  /**
   * Names the backing data: opening the same namespace again (with another cipher, say) must give a
   * store over the same records; different namespaces must not see each other's records.
   */
  readonly namespace: string;
  /** The cipher to seal with, for encrypted stores (the suite rotates and swaps it). */
  readonly cipher?: Cipher;
}

/**
 * A field of a stored record that the column-tamper tests change at rest: every clear field, and
 * `metadata` (which a store must keep sealed, so a clear copy must not be served).
 */
export type TamperField =
  | "account"
  | "tokenType"
  | "expiresAt"
  | "scopes"
  | "issuer"
  | "clientId"
  | "metadata"
  | "version"
  | "createdAt"
  | "updatedAt";

/** Raw access to what an encrypted store keeps at rest, for the plaintext scan and tamper tests. */
export interface RawAccess {
  /** Every byte the namespace keeps at rest (files, rows, hashes), concatenated. */
  dump(namespace: string): Promise<Uint8Array>;
  /** The sealed secrets of one record, exactly as stored. */
  readSealed(namespace: string, key: CredentialKey): Promise<Uint8Array>;
  /** Overwrites the sealed secrets of one existing record, verbatim (for flipped-byte and swap tests). */
  writeSealed(namespace: string, key: CredentialKey, sealed: Uint8Array): Promise<void>;
  /**
   * Sets one field of an existing record at rest, verbatim and bypassing the store, as someone with
   * write access to the backend would: `value` in record terms (epoch milliseconds, a string array for
   * `scopes`), `undefined` to remove it (a NULL column, a missing JSON field). Returns `false` when the
   * store has no clear place for `field` (e.g. no `metadata` column because metadata is sealed).
   */
  writeColumn(namespace: string, key: CredentialKey, field: TamperField, value: unknown): Promise<boolean>;
}

/**
 * Makes a namespace's backend fail, for the failure tests: the harness breaks what the store talks to
 * (a connection, a directory), never the store itself. Optional: leave it out for a store that has no
 * backend that can fail (`memoryStore`); the failure tests are then not registered.
 */
export interface FailureInjection {
  /**
   * From now until {@link FailureInjection.restore}, the backend of `namespace` fails: every operation
   * that has to reach it must reject with `StoreUnavailableError` (`ERR_STORE_UNAVAILABLE`). Applies to
   * stores already open on the namespace.
   */
  fail(namespace: string): Promise<void>;
  /** Ends the failure: the backend works again, with the data it held before {@link FailureInjection.fail}. */
  restore(namespace: string): Promise<void>;
}

/**
 * How the suite reaches a store under test. Each test gets a fresh `namespace`; opening a namespace
 * again (for instance with another cipher) must give a store over the same records.
 */
export interface StoreHarness {
  /** Opens a store over `context.namespace`; the suite closes every store it opened. */
  open(context: OpenContext): Promise<CredentialStore>;
  /** Removes a namespace's data once its test is over. */
  destroy?(namespace: string): Promise<void>;
  /** Required when `encrypted` is true. */
  readonly raw?: RawAccess;
  /** Backend failures on demand; registers the failure tests when given. */
  readonly failures?: FailureInjection;
}

/** Three ciphers for the encryption tests of {@link storeConformance}. */
export interface CipherSet {
  /** Seals with key A. */
  readonly current: Cipher;
  /** Seals with key B and still opens what key A sealed (a rotated key ring). */
  readonly rotated: Cipher;
  /** Knows neither key A nor key B's bytes (a wrong key). */
  readonly wrong: Cipher;
}

/** Typed toggles of {@link storeConformance}. */
export interface StoreConformanceOptions {
  /** The store seals secrets: the suite scans what is at rest and runs tamper, swap, rotation and wrong-key tests. */
  readonly encrypted: boolean;
  /** Ciphers for the encryption tests. @default AES-256-GCM key rings made from fresh random keys */
  readonly ciphers?: () => Promise<CipherSet>;
  /** Keys in the listing test. @default 1000 */
  readonly listSize?: number;
  /** Concurrent compare-and-set writers on one key. @default 50 */
  readonly concurrentWriters?: number;
  /** Per-test timeout in milliseconds. @default 60000 */
  readonly timeoutMs?: number;
}

/** What {@link cipherConformance} needs: ciphers as in {@link CipherSet}, made fresh for each test. */
export type CipherFactory = () => Promise<CipherSet>;
