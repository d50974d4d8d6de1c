import { hasCode } from "@credstack/errors";
import type { CredentialRecord } from "../record.js";
import type { CredentialStore, PutManyOutcome } from "../store.js";

/**
 * Copies one record as it is (same version and times, a `copy` write) into `store` unless the store holds
 * the same or a newer version. A concurrent writer that wins the compare-and-set makes it `skipped` if it
 * wrote a newer version. Store authors whose backend has no bulk write use it to implement `putMany`.
 *
 * @param store - The store to write into.
 * @param record - The record to copy, as read from another store.
 * @returns `"written"` when the record was copied, `"skipped"` when the store already holds that version or a newer one.
 * @throws Whatever `store.get` / `store.put` throw, except one lost compare-and-set, which is retried once.
 * @example
 * ```ts
 * import { copyIfNewer, type CredentialRecord, type CredentialStore, type PutManyOutcome } from "@credstack/storage";
 *
 * async function putMany(store: CredentialStore, records: readonly CredentialRecord[]): Promise<PutManyOutcome[]> {
 *   const outcomes: PutManyOutcome[] = [];
 *   for (const record of records) outcomes.push(await copyIfNewer(store, record));
 *   return outcomes;
 * }
 * ```
 */
export async function copyIfNewer(store: CredentialStore, record: CredentialRecord): Promise<PutManyOutcome> {
  for (let attempt = 0; ; attempt++) {
    const current = await store.get(record);
    if (current !== undefined && current.version >= record.version) return "skipped";
    try {
      await store.put(record, { expectedVersion: current?.version ?? 0, copy: true });
      return "written";
    } catch (error) {
      if (attempt > 0 || !hasCode(error, "ERR_VERSION_CONFLICT")) throw error;
    }
  }
}

/** `store.putMany(records)`, or {@link copyIfNewer} for each record where the store has no bulk write. @internal */
export async function copyAll(
  store: CredentialStore,
  records: readonly CredentialRecord[],
): Promise<readonly PutManyOutcome[]> {
  if (store.putMany !== undefined) return store.putMany(records);
  const outcomes: PutManyOutcome[] = [];
  for (const record of records) outcomes.push(await copyIfNewer(store, record));
  return outcomes;
}
