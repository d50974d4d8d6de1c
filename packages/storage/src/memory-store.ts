import { randomUUID } from "node:crypto";
import { LeaseUnavailableError, StoreUnavailableError, VersionConflictError } from "./errors.js";
import { type CredentialKey, compareKeys, normalizeKey } from "./key.js";
import { listFromSorted, sleep } from "./lib/listing.js";
import { checkPutOptions, recordToWrite } from "./lib/write.js";
import type { CredentialInput, CredentialRecord } from "./record.js";
import type {
  CredentialStore,
  DeleteOptions,
  Lease,
  LeaseOptions,
  ListOptions,
  PutManyOutcome,
  PutOptions,
  StoreChange,
} from "./store.js";

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

const slot = (key: CredentialKey): string => `${key.provider}\u0000${key.account}`;

/**
 * The reference store: records in a `Map`, in this process only. Leases are in-process; `watch()`
 * reports this store's writes and deletes synchronously. Nothing is persisted; wrap it with
 * {@link withBackup} to keep a durable copy.
 *
 * @example
 * ```ts
 * const store = memoryStore();
 * await store.put({ provider: "google", account: "a@x.com", accessToken: "…" }, { expectedVersion: 0 });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): CredentialStore {
  const now = options.now ?? Date.now;
  const records = new Map<string, { key: CredentialKey; record: CredentialRecord }>();
  const leases = new Map<string, { token: string; expiresAt: number }>();
  const watchers = new Set<(change: StoreChange) => void>();
  const announce = (change: StoreChange): void => {
    if (watchers.size === 0) return;
    for (const listener of [...watchers]) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not fail the write.
      }
    }
  };

  let closed = false;
  const usable = (): void => {
    if (closed) throw new StoreUnavailableError("The memory store is closed.");
  };

  // Validation (options, then the record) comes before the version check: an invalid put is refused as
  // such whatever the stored version.
  const write = (input: CredentialInput, putOptions: PutOptions): CredentialRecord => {
    usable();
    checkPutOptions(putOptions);
    const key = normalizeKey(input);
    const at = slot(key);
    const current = records.get(at);
    const record = recordToWrite(input, putOptions, current?.record.createdAt, now());
    const actual = current?.record.version ?? 0;
    if (actual !== putOptions.expectedVersion) {
      throw new VersionConflictError(key, putOptions.expectedVersion, actual);
    }
    records.set(at, { key, record });
    announce({ key, version: record.version });
    return record;
  };

  return {
    capabilities: { lease: true, ttl: false, bulk: true, watch: true },
    async get(key) {
      usable();
      return records.get(slot(normalizeKey(key)))?.record;
    },
    async put(input, putOptions) {
      return write(input, putOptions);
    },
    async delete(key, deleteOptions: DeleteOptions = {}) {
      usable();
      const normal = normalizeKey(key);
      const current = records.get(slot(normal));
      if (current === undefined) return false;
      const expected = deleteOptions.expectedVersion;
      if (expected !== undefined && expected !== current.record.version) {
        throw new VersionConflictError(normal, expected, current.record.version);
      }
      records.delete(slot(normal));
      announce({ key: normal });
      return true;
    },
    list(listOptions: ListOptions = {}) {
      return listFromSorted(async () => {
        usable();
        return [...records.values()].map((entry) => entry.key).sort(compareKeys);
      }, listOptions);
    },
    async lease(key, leaseOptions: LeaseOptions): Promise<Lease> {
      usable();
      const normal = normalizeKey(key);
      const deadline = now() + (leaseOptions.waitMs ?? 0);
      for (;;) {
        const held = leases.get(slot(normal));
        if (held === undefined || held.expiresAt <= now()) break;
        if (now() >= deadline) throw new LeaseUnavailableError(normal);
        await sleep(Math.min(10, Math.max(1, deadline - now())));
      }
      const token = randomUUID();
      const expiresAt = now() + leaseOptions.ttlMs;
      leases.set(slot(normal), { token, expiresAt });
      return {
        key: normal,
        expiresAt,
        async release() {
          if (leases.get(slot(normal))?.token === token) leases.delete(slot(normal));
        },
      };
    },
    async putMany(batch: readonly CredentialRecord[]): Promise<readonly PutManyOutcome[]> {
      usable();
      return batch.map((record) => {
        const current = records.get(slot(normalizeKey(record)))?.record.version ?? 0;
        if (current >= record.version) return "skipped";
        write(record, { expectedVersion: current, copy: true });
        return "written";
      });
    },
    async watch(listener) {
      watchers.add(listener);
      return async () => {
        watchers.delete(listener);
      };
    },
    async close() {
      closed = true;
      watchers.clear();
      records.clear();
      leases.clear();
    },
  };
}
