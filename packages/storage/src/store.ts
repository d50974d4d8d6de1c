import type { CredstackError } from "./errors.js";
import type { CredentialKey } from "./key.js";
import type { CredentialInput, CredentialRecord } from "./record.js";

/** What a store can do beyond the required methods. Core branches on these, never on a backend's name. */
export interface StoreCapabilities {
  /** `lease()` is implemented and holds across processes sharing the backend (in-process only for memory). */
  readonly lease: boolean;
  /** Records can expire in the backend on their own (e.g. Redis TTL for records without a refresh token). */
  readonly ttl: boolean;
  /** `putMany()` is implemented. */
  readonly bulk: boolean;
  /**
   * `watch()` is implemented: the backend tells every process sharing it about writes and deletes
   * (PostgreSQL `LISTEN/NOTIFY`, Redis pub/sub). Absent means `false`.
   */
  readonly watch?: boolean;
}

/**
 * A change {@link CredentialStore.watch} reports. With `key`: the record under that key (normal form)
 * was written (`version` is the new version) or deleted (`version` absent). Without `key`: changes may
 * have been missed (the notification channel was down), so anything may have changed.
 */
export interface StoreChange {
  /** The key that changed (normal form); absent: anything may have changed. */
  readonly key?: CredentialKey;
  /** The version written; absent for a delete or an unknown change. */
  readonly version?: number;
}

/** Stops a {@link CredentialStore.watch}; stopping twice is harmless. */
export type StopWatching = () => Promise<void>;

/** Options of {@link CredentialStore.put}. */
export interface PutOptions {
  /**
   * The version the caller read (`0`: there must be no record). The write happens only if the stored
   * version is still this one; otherwise `VersionConflictError` and nothing changes.
   */
  readonly expectedVersion: number;
  /**
   * Store the record exactly as given — its `version`, `createdAt` and `updatedAt` — instead of
   * stamping a new version. For migration, backup and restore; the record's `version` must be greater
   * than `expectedVersion`.
   * @default false
   */
  readonly copy?: boolean;
}

/** Options of {@link CredentialStore.delete}. */
export interface DeleteOptions {
  /** Delete only if the stored version is this one; otherwise `VersionConflictError`. */
  readonly expectedVersion?: number;
}

/** Options of {@link CredentialStore.list}. */
export interface ListOptions {
  /** Only this provider's keys. */
  readonly provider?: string;
  /** Resume after this key (exclusive): pass the last key a previous listing gave. */
  readonly after?: CredentialKey;
  /** At most this many keys. */
  readonly limit?: number;
}

/** Options of {@link CredentialStore.lease}. */
export interface LeaseOptions {
  /** The lease ends by itself this long after it was taken, even if its holder died. */
  readonly ttlMs: number;
  /**
   * How long to wait for a lease held elsewhere before failing with `ERR_LEASE_UNAVAILABLE`.
   * @default 0
   */
  readonly waitMs?: number;
}

/** A held lease: an exclusive, expiring lock on one key across every process sharing the store. */
export interface Lease {
  /** The key it locks (normal form). */
  readonly key: CredentialKey;
  /** When it ends by itself, epoch milliseconds. */
  readonly expiresAt: number;
  /** Releases it, if it is still this holder's; releasing twice or after expiry is harmless. */
  release(): Promise<void>;
}

/**
 * What {@link CredentialStore.getMany} read under one key: `{ record }` (the record, or `undefined`
 * when there is none), or `{ error }`: the typed error reading that record alone failed with
 * (`ERR_INTEGRITY`, `ERR_CORRUPT_RECORD`, `ERR_KEY_NOT_FOUND`, `ERR_INVALID_ARGUMENT` for an invalid
 * key...). Test `"error" in result` (or `result.error !== undefined`) to tell them apart.
 */
export type GetManyResult =
  | { readonly record: CredentialRecord | undefined; readonly error?: undefined }
  | { readonly error: CredstackError; readonly record?: undefined };

/** What {@link CredentialStore.putMany} did with one record. */
export type PutManyOutcome = "written" | "skipped";

/**
 * The contract of every credstack store. Keys are compared in {@link accountKey} form; listing order is
 * {@link compareKeys}. Every failure is a typed `CredstackError` and leaves stored data untouched.
 *
 * @example
 * ```ts
 * declare const store: CredentialStore;
 * const current = await store.get({ provider: "google", account: "a@x.com" });
 * await store.put({ ...current!, accessToken: "new" }, { expectedVersion: current!.version });
 * ```
 */
export interface CredentialStore {
  /** What this store can do. */
  readonly capabilities: StoreCapabilities;
  /** The record under `key`, or `undefined`. */
  get(key: CredentialKey): Promise<CredentialRecord | undefined>;
  /**
   * Writes a record with compare-and-set on its version and returns what was stored (new version and
   * times). `VersionConflictError` when the stored version is not `expectedVersion`.
   */
  put(record: CredentialInput, options: PutOptions): Promise<CredentialRecord>;
  /**
   * Deletes the record under `key`; `true` if one was deleted. With `expectedVersion`, only that
   * version is deleted (`VersionConflictError` otherwise).
   */
  delete(key: CredentialKey, options?: DeleteOptions): Promise<boolean>;
  /**
   * The keys, in {@link compareKeys} order, as normal keys (account in {@link accountKey} form). The
   * order is stable; resume with `after`.
   */
  list(options?: ListOptions): AsyncIterable<CredentialKey>;
  /** Takes a lease on `key` (when `capabilities.lease`). */
  lease?(key: CredentialKey, options: LeaseOptions): Promise<Lease>;
  /**
   * Reads many keys at once (one query or pipeline where the backend allows it): one result per key,
   * in the order of `keys`, each the same as `get(key)` would give. One bad record does not fail the
   * batch: its result is `{ error }` with its typed error, the others still come back. A backend that
   * is down (`ERR_STORE_UNAVAILABLE`), or a cipher that cannot be reached (`ERR_CIPHER_UNAVAILABLE`,
   * `ERR_KEY_ACCESS_DENIED`), rejects the whole call. Optional: callers use the {@link getMany} helper,
   * which falls back to `get` per key.
   *
   * @example
   * ```ts
   * declare const store: CredentialStore;
   * const results = await store.getMany!([
   *   { provider: "google", account: "a@x.com" },
   *   { provider: "google", account: "b@x.com" },
   * ]);
   * for (const result of results) {
   *   if (result.error !== undefined) console.error(result.error.code);
   *   else if (result.record !== undefined) console.log(result.record.version);
   * }
   * ```
   */
  getMany?(keys: readonly CredentialKey[]): Promise<readonly GetManyResult[]>;
  /**
   * Copies records as they are (version and times kept), each only if the store holds no record under
   * its key or an older version (when `capabilities.bulk`). For migration.
   */
  putMany?(records: readonly CredentialRecord[]): Promise<readonly PutManyOutcome[]>;
  /**
   * Calls `listener` for every write and delete any process makes in this store (when
   * `capabilities.watch`), as soon as the backend reports it; after a gap in notifications (a lost
   * connection), once without a key. Delivery is at least once and may follow the write by the
   * notification latency; the returned function stops it. Resolves once notifications flow.
   */
  watch?(listener: (change: StoreChange) => void): Promise<StopWatching>;
  /** Releases connections, timers and handles. */
  close(): Promise<void>;
}
