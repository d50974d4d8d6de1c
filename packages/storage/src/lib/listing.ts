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
  let count = 0;
  for (const key of await snapshot()) {
    if (limit !== undefined && count >= limit) return;
    if (provider !== undefined && key.provider !== provider) continue;
    if (after !== undefined && compareKeys(key, after) <= 0) continue;
    count++;
    yield key;
  }
}
