import { isCredstackError } from "@credstack/errors";
import { InvalidArgumentError } from "./errors.js";
import type { CredentialKey } from "./key.js";
import type { CredentialRecord } from "./record.js";
import type { CredentialStore, GetManyResult } from "./store.js";

/** Options of {@link getMany} and {@link getEach}. */
export interface GetManyOptions {
  /** Reads in flight at once when each key is read on its own. @default 8 */
  readonly concurrency?: number;
}

/**
 * Codes that say the backend or the cipher is down rather than one record being bad: they fail a whole
 * `getMany` (and stop a migration) instead of being one key's result. @internal
 */
export const backendErrorCodes: ReadonlySet<string> = new Set([
  "ERR_STORE_UNAVAILABLE",
  "ERR_CIPHER_UNAVAILABLE",
  "ERR_KEY_ACCESS_DENIED",
]);

/** `error` when it belongs to one record (a typed error that is not a backend failure); else rethrown. */
function recordError(error: unknown): GetManyResult {
  if (!isCredstackError(error) || backendErrorCodes.has(error.code)) throw error;
  return { error };
}

/**
 * Reads each item with `read`, at most `concurrency` at a time, and gives one
 * {@link GetManyResult} per item in order: a typed per-record error (integrity, corrupt record, invalid
 * key...) becomes that item's `{ error }`; a backend or cipher failure (`ERR_STORE_UNAVAILABLE`,
 * `ERR_CIPHER_UNAVAILABLE`, `ERR_KEY_ACCESS_DENIED`) or an untyped error rejects the whole call. Store
 * authors use it to implement {@link CredentialStore.getMany}: per key over `get`, or over rows a batch
 * query already fetched.
 *
 * @param items - What to read, usually keys.
 * @param read - Reads one item: its record, or `undefined` when there is none.
 * @param options - `concurrency` (default 8).
 * @example
 * ```ts
 * import { type CredentialStore, getEach } from "@credstack/storage";
 * declare const base: CredentialStore;
 * const store: CredentialStore = { ...base, getMany: (keys) => getEach(keys, (key) => base.get(key)) };
 * ```
 */
export async function getEach<T>(
  items: readonly T[],
  read: (item: T) => Promise<CredentialRecord | undefined>,
  options: GetManyOptions = {},
): Promise<GetManyResult[]> {
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError("concurrency must be >= 1.");
  }
  const results = new Array<GetManyResult>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { record: await read(items[index] as T) };
      } catch (error) {
        results[index] = recordError(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Reads many keys of `store`: `store.getMany(keys)` when the store has it (one query or pipeline),
 * else `store.get` per key, `concurrency` at a time. One result per key, in order; see
 * {@link CredentialStore.getMany} for what fails one key and what fails the call.
 *
 * @example
 * ```ts
 * import { type CredentialStore, getMany } from "@credstack/storage";
 * declare const store: CredentialStore;
 * const [a, b] = await getMany(store, [
 *   { provider: "google", account: "a@x.com" },
 *   { provider: "google", account: "b@x.com" },
 * ]);
 * if (a?.error !== undefined) console.error(a.error.code);
 * ```
 */
export function getMany(
  store: CredentialStore,
  keys: readonly CredentialKey[],
  options: GetManyOptions = {},
): Promise<readonly GetManyResult[]> {
  if (store.getMany !== undefined) return store.getMany(keys);
  return getEach(keys, (key) => store.get(key), options);
}
