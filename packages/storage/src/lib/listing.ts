import { InvalidArgumentError } from "../errors.js";
import { type CredentialKey, compareKeys, normalizeKey } from "../key.js";
import type { ListOptions } from "../store.js";

/** Waits `ms` milliseconds. @internal */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Checks list options and returns them with a normal `after` key. @internal */
export function checkListOptions(options: ListOptions): ListOptions {
  if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 0)) {
    throw new InvalidArgumentError("list() limit must be a non-negative integer.");
  }
  if (options.provider !== undefined) normalizeKey({ provider: options.provider, account: "x" });
  return options.after === undefined ? options : { ...options, after: normalizeKey(options.after) };
}

/**
 * Lists from a snapshot of every key (sorted by {@link compareKeys}), applying `provider`, `after` and
 * `limit`. For stores that can only enumerate everything (memory, files). @internal
 */
export async function* listFromSorted(
  snapshot: () => Promise<CredentialKey[]>,
  options: ListOptions,
): AsyncGenerator<CredentialKey> {
  const { provider, after, limit } = checkListOptions(options);
  const keys = await snapshot();
  // The snapshot is sorted: a page starts by binary search, so its cost does not grow with the keys
  // before it (or, with `provider`, with other providers' keys before that provider's first).
  const from = after ?? (provider === undefined ? undefined : { provider, account: "" });
  let low = 0;
  if (from !== undefined) {
    let high = keys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const order = compareKeys(keys[middle] as CredentialKey, from);
      if (order < 0 || (after !== undefined && order === 0)) low = middle + 1;
      else high = middle;
    }
  }
  let count = 0;
  for (let index = low; index < keys.length; index++) {
    const key = keys[index] as CredentialKey;
    if (limit !== undefined && count >= limit) return;
    if (provider !== undefined && key.provider !== provider) {
      // Sorted by provider first: past the provider's keys there are no more of them.
      if (compareKeys({ provider: key.provider, account: "" }, { provider, account: "" }) > 0) return;
      continue;
    }
    count++;
    yield key;
  }
}
