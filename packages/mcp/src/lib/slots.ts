import { hasCode } from "@credstack/errors";
import type { CredentialInput, CredentialKey, CredentialRecord, CredentialStore } from "@credstack/storage";

/** How often a compare-and-set write is retried after a concurrent write of the same key. */
const maxAttempts = 3;

/**
 * Writes `build(current)` under `key` with compare-and-set, re-reading and retrying when another writer
 * got there first (the last write wins, and no write is half applied). @internal
 */
export async function writeSlot(
  store: CredentialStore,
  key: CredentialKey,
  build: (current: CredentialRecord | undefined) => Omit<CredentialInput, "provider" | "account">,
): Promise<CredentialRecord> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.get(key);
    const input: CredentialInput = { ...build(current), provider: key.provider, account: key.account };
    try {
      return await store.put(input, { expectedVersion: current?.version ?? 0 });
    } catch (error) {
      if (attempt >= maxAttempts || !hasCode(error, "ERR_VERSION_CONFLICT")) {
        throw error;
      }
    }
  }
}

/** Deletes `key` whatever its version; `true` if a record was deleted. @internal */
export async function deleteSlot(store: CredentialStore, key: CredentialKey): Promise<boolean> {
  return store.delete(key);
}

/** A JSON object (as stored in sealed metadata), or `undefined`. @internal */
export function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Drops `undefined` fields (the record schema is strict about them under exactOptionalPropertyTypes). @internal */
export function definedOnly<T extends Record<string, unknown>>(value: T): Defined<T> {
  const copy: Record<string, unknown> = {};
  for (const [field, item] of Object.entries(value)) if (item !== undefined) copy[field] = item;
  return copy as Defined<T>;
}

/** `T` with fields that may be `undefined` made optional (absent) instead. @internal */
export type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};
