import { hasCode, isCredstackError } from "@credstack/errors";
import { StoreUnavailableError } from "./errors.js";
import { getMany } from "./get-many.js";
import type { CredentialKey } from "./key.js";
import { copyAll } from "./lib/copy.js";
import type { CredentialRecord } from "./record.js";
import type { CredentialStore, GetManyResult, PutManyOutcome, StoreChange } from "./store.js";

/**
 * A backup failure reaches the caller as `ERR_STORE_UNAVAILABLE` unless it already is a typed error
 * that says more (a version conflict, an invalid record, a cipher failure).
 */
function backupFailure(error: unknown): unknown {
  if (isCredstackError(error)) return error;
  return new StoreUnavailableError("The backup store failed; nothing was written.", { cause: error });
}

/**
 * Memory-with-backup as a combinator: `primary` (usually {@link memoryStore}) is a cache in front of the
 * durable `backup`.
 *
 * - Reads try `primary`, then `backup`; a record found only in `backup` is copied into `primary`.
 *   `getMany` reads the keys `primary` lacks from `backup` in one bulk read.
 * - Writes and deletes go to `backup` first — it decides compare-and-set — then to `primary`. If the
 *   backup write fails the caller gets the error (`ERR_STORE_UNAVAILABLE` for backend failures) and
 *   `primary` is not changed. A version conflict drops the key from `primary`, so the caller's re-read
 *   sees the backup's record.
 * - Listing and leases are the backup's: it holds every record and is shared across processes.
 * - `watch` is the backup's (when it has one): a change another process makes in the backup first drops
 *   the key from `primary`, then reaches the listener. Without it, `primary` keeps what it read.
 *
 * @example
 * ```ts
 * import { fileStore } from "@credstack/storage-file";
 * declare const cipher: Cipher;
 * const store = withBackup(memoryStore(), fileStore({ dir: ".credstack", cipher }));
 * ```
 */
export function withBackup(primary: CredentialStore, backup: CredentialStore): CredentialStore {
  const forget = async (key: CredentialKey): Promise<void> => {
    await primary.delete(key).catch(() => {});
  };
  const mirror = async (record: CredentialRecord): Promise<void> => {
    try {
      const cached = await primary.get(record);
      if (cached !== undefined && cached.version >= record.version) return;
      await primary.put(record, { expectedVersion: cached?.version ?? 0, copy: true });
    } catch {
      await forget(record);
    }
  };
  const lease = backup.lease ?? primary.lease;
  const watchable = backup.capabilities.watch === true && backup.watch !== undefined;
  /** A change the backup reported: drop what `primary` holds of it (unless as new), then pass it on. */
  const follow = async (change: StoreChange, listener: (change: StoreChange) => void) => {
    if (change.key === undefined) {
      for await (const key of primary.list()) await forget(key);
    } else {
      const cached = await primary.get(change.key).catch(() => undefined);
      if (cached !== undefined && (change.version === undefined || cached.version < change.version)) {
        await forget(change.key);
      }
    }
    listener(change);
  };
  return {
    capabilities: {
      lease: backup.capabilities.lease || (backup.lease === undefined && primary.capabilities.lease),
      ttl: false,
      bulk: true,
      watch: watchable,
    },
    async get(key) {
      const cached = await primary.get(key);
      if (cached !== undefined) return cached;
      const stored = await backup.get(key);
      if (stored !== undefined) await mirror(stored);
      return stored;
    },
    async getMany(keys): Promise<readonly GetManyResult[]> {
      const cached = await getMany(primary, keys);
      const missing = keys.filter((_, index) => {
        const result = cached[index];
        return result?.error === undefined && result?.record === undefined;
      });
      if (missing.length === 0) return cached;
      const stored = await getMany(backup, missing);
      const results = [...cached];
      let next = 0;
      cached.forEach((result, index) => {
        if (result.error === undefined && result.record === undefined) {
          results[index] = stored[next++] as GetManyResult;
        }
      });
      await Promise.all(
        stored.map((result) => (result.record === undefined ? undefined : mirror(result.record))),
      );
      return results;
    },
    async put(input, options) {
      let stored: CredentialRecord;
      try {
        stored = await backup.put(input, options);
      } catch (error) {
        if (hasCode(error, "ERR_VERSION_CONFLICT")) await forget(input);
        throw backupFailure(error);
      }
      await mirror(stored);
      return stored;
    },
    async delete(key, options) {
      let deleted: boolean;
      try {
        deleted = await backup.delete(key, options);
      } catch (error) {
        if (hasCode(error, "ERR_VERSION_CONFLICT")) await forget(key);
        throw backupFailure(error);
      }
      await forget(key);
      return deleted;
    },
    list(options) {
      return backup.list(options);
    },
    ...(lease === undefined ? {} : { lease: lease.bind(backup.lease === undefined ? primary : backup) }),
    async putMany(records): Promise<readonly PutManyOutcome[]> {
      try {
        return await copyAll(backup, records);
      } catch (error) {
        throw backupFailure(error);
      } finally {
        await Promise.all(records.map(forget));
      }
    },
    ...(watchable
      ? {
          // The backup's changes, after `primary` forgot what they replace (other processes write the backup).
          watch: (listener: (change: StoreChange) => void) =>
            (backup.watch as NonNullable<CredentialStore["watch"]>)((change) => {
              follow(change, listener).catch(() => listener({}));
            }),
        }
      : {}),
    async close() {
      await Promise.all([primary.close(), backup.close()]);
    },
  };
}
