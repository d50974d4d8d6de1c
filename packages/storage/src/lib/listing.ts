import { InvalidArgumentError } from "../errors.js";
import { type CredentialKey, compareKeys, normalizeKey } from "../key.js";
import type { ListOptions } from "../store.js";

/** Waits `ms` milliseconds. @internal */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Checks the options of a store's `list()` and returns them with the `after` key normalised. Store authors
 * call it first in `list()`, so every store rejects the same bad options with the same error.
 *
 * @param options - The options given to `list()`.
 * @returns The same options, with `after` normalised (see {@link normalizeKey}).
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) for a `limit` that is not a non-negative integer,
 *   or an invalid `provider` or `after` key.
 * @example
 * ```ts
 * import { checkListOptions, type CredentialKey, type ListOptions } from "@credstack/storage";
 *
 * async function* list(options: ListOptions = {}): AsyncGenerator<CredentialKey> {
 *   const { provider, after, limit } = checkListOptions(options);
 *   // ... query the backend with provider / after / limit
 * }
 * ```
 */
export function checkListOptions(options: ListOptions): ListOptions {
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 0)) {
    throw new InvalidArgumentError("list() limit must be a non-negative integer.");
  }
  if (options.provider !== undefined) normalizeKey({ provider: options.provider, account: "x" });
  return options.after === undefined ? options : { ...options, after: normalizeKey(options.after) };
}

/**
 * Lists from a snapshot of every key (sorted by {@link compareKeys}), applying `provider`, `after` and
 * `limit` (checked with {@link checkListOptions}). For stores that can only enumerate everything, such as
 * the memory and file stores.
 *
 * @param snapshot - Returns every stored key, sorted by {@link compareKeys}; called once, on first iteration.
 * @param options - The options given to `list()`.
 * @returns The keys `list(options)` yields.
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) for bad options, when iteration starts.
 * @example
 * ```ts
 * import { compareKeys, type CredentialKey, type ListOptions, listFromSorted } from "@credstack/storage";
 *
 * const keys: CredentialKey[] = [];
 * function list(options: ListOptions = {}): AsyncIterable<CredentialKey> {
 *   return listFromSorted(async () => [...keys].sort(compareKeys), options);
 * }
 * ```
 */
export async function* listFromSorted(
  snapshot: () => Promise<CredentialKey[]>,
  options: ListOptions,
): AsyncGenerator<CredentialKey> {
  const { provider, after, limit } = checkListOptions(options);
  let count = 0;
  for (const key of await snapshot()) {
    if (limit !== undefined && count >= limit) return;
    if (provider !== undefined && key.provider !== provider) continue;
    if (after !== undefined && compareKeys(key, after) <= 0) continue;
    count++;
    yield key;
  }
}
