import { hasCode } from "@credstack/errors";
import type { CredentialRecord } from "../record.js";
import type { CredentialStore, PutManyOutcome } from "../store.js";

/**
 * Copies one record as it is into `store` unless the store holds the same or a newer version. A
 * concurrent writer that wins the compare-and-set makes it `skipped` if it wrote a newer version.
 * @internal
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
