import { unlink } from "node:fs/promises";
import { join } from "node:path";
import {
  type CredentialInput,
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  checkPutOptions,
  type DeleteOptions,
  describeKey,
  getEach,
  InvalidArgumentError,
  joinRecord,
  type Lease,
  type LeaseOptions,
  LeaseUnavailableError,
  type ListOptions,
  listFromSorted,
  normalizeKey,
  openRecord,
  type PutManyOutcome,
  type PutOptions,
  recordToWrite,
  StoreUnavailableError,
  sealRecord,
  splitRecord,
  syncDirectory,
  VersionConflictError,
  writeFileAtomic,
} from "@credstack/storage";
import { preparePrivateDirectory } from "./lib/directory.js";
import { acquireLock, releaseLock } from "./lib/file-lock.js";
import { fileNameOf, lockNameOf, type RecordFileName } from "./lib/file-names.js";
import { errnoOf, io, readWhole } from "./lib/io.js";
import { keyQueue } from "./lib/key-queue.js";
import { keyListing } from "./lib/list-keys.js";
import { readFilesInSlices } from "./lib/read-files.js";
import { decodeRecordFile, encodeRecordFile, type FilePayload, type RecordFile } from "./lib/record-file.js";
import { sweepTempFiles, tempNameFor } from "./lib/temp-files.js";
import { type FileStoreOptions, resolveOptions, warnPlaintextOnce } from "./options.js";

/**
 * A durable store with one file per credential under `dir`. Secrets are sealed with `cipher` (required
 * unless `insecurePlaintext`); file names are an injective encoding of the key, never the account itself;
 * the directory is 0700 and files 0600 from creation; writes replace files atomically (temp file, fsync,
 * rename, directory fsync); compare-and-set holds across processes through per-key lock files; leases
 * are lease files with an expiry.
 *
 * @example
 * ```ts
 * import { aesGcmCipher, loadOrCreateKeyFile } from "@credstack/storage";
 * import { fileStore } from "@credstack/storage-file";
 *
 * const cipher = aesGcmCipher({ keyRing: { active: (await loadOrCreateKeyFile(".credstack/key")).key } });
 * const store = fileStore({ dir: ".credstack/credentials", cipher });
 * ```
 * @throws FileStoreConfigError (`ERR_INVALID_CONFIG`) for missing or contradictory options; an unsafe
 * directory is reported by the first call.
 */
export function fileStore(options: FileStoreOptions): CredentialStore {
  const settings = resolveOptions(options);
  const { dir, cipher, now } = settings;
  // Real time (not the record clock): it is compared with the directory's modification time.
  const listing = keyListing(dir);
  // `join(dir, name)` for a file name of this store (no separators, never `.` or `..`), without
  // normalizing `dir` again on every call: the normalized directory with its separator, once.
  const dirPrefix = join(dir, "_").slice(0, -1);
  const pathOf = (name: string): string => dirPrefix + name;
  if (cipher === undefined) warnPlaintextOnce();
  const encrypted = cipher !== undefined;
  const serialize = keyQueue();
  const leases = new Set<Lease>();
  let closed = false;

  const ready = io(`prepare ${dir}`, async () => {
    await preparePrivateDirectory(dir, settings.allowLooseDirectory);
    await sweepTempFiles(dir);
  });
  ready.catch(() => {}); // reported by every call instead

  async function begin(): Promise<void> {
    if (closed) throw new InvalidArgumentError("The file store is closed.");
    await ready;
  }

  async function readRecordFile(key: CredentialKey, file: RecordFileName): Promise<RecordFile | undefined> {
    const path = pathOf(file.name);
    let bytes: Buffer;
    try {
      bytes = await readWhole(path);
    } catch (error) {
      if (errnoOf(error) === "ENOENT") return undefined;
      return io(`read ${path}`, () => Promise.reject(error));
    }
    return decodeRecordFile(bytes, path, encrypted, key);
  }

  async function payloadOf(record: CredentialRecord): Promise<FilePayload> {
    if (cipher === undefined) return { secrets: splitRecord(record).secrets };
    return { sealed: (await sealRecord(record, cipher)).sealed };
  }

  async function writeRecordFile(file: RecordFileName, record: CredentialRecord, payload: FilePayload) {
    const bytes = encodeRecordFile(splitRecord(record).columns, payload);
    // The temporary file names its writer (tempNameFor), so sweepTempFiles can tell leftovers from live writes.
    await io(`write ${pathOf(file.name)}`, () =>
      writeFileAtomic(pathOf(file.name), bytes, {
        fsync: settings.fsync,
        temporaryName: tempNameFor(file.stem),
      }),
    );
  }

  /** Runs `work` holding the key: in-process queue first, then the cross-process lock file. */
  function withKeyLock<T>(key: CredentialKey, file: RecordFileName, work: () => Promise<T>): Promise<T> {
    return serialize(file.stem, async () => {
      const path = pathOf(lockNameOf(file.stem));
      const held = await io(`lock ${path}`, () =>
        acquireLock(path, { ttlMs: settings.staleLockMs, waitMs: settings.lockTimeoutMs, now: Date.now }),
      );
      if (held === undefined) {
        throw new StoreUnavailableError(
          `Timed out after ${settings.lockTimeoutMs} ms waiting for the lock on ${describeKey(key)} (${path}).`,
        );
      }
      try {
        return await work();
      } finally {
        await io(`unlock ${path}`, () => releaseLock(held, { trustUntil: held.expiresAt - 1_000 }));
      }
    });
  }

  /** Opens a record file read under a normal key: `get()` and `getMany()`. */
  function openFile(normal: CredentialKey, file: RecordFileName, found: RecordFile) {
    const location = pathOf(file.name);
    if ("sealed" in found.payload) {
      return openRecord(normal, found.columns, found.payload.sealed, cipher!, { location });
    }
    return joinRecord(found.columns, found.payload.secrets, { location });
  }

  /**
   * `getMany()`: the batch's files read at once ({@link readFilesInSlices}), then each opened as `get()`
   * opens it. A record that fails to open (or an invalid key) is that key's `{ error }`; a file that
   * cannot be read fails the call with `ERR_STORE_UNAVAILABLE`, as it fails `get()`.
   */
  async function readMany(keys: readonly CredentialKey[]) {
    const prepared = keys.map((key) => {
      try {
        const normal = normalizeKey(key);
        return { normal, file: fileNameOf(normal) };
      } catch (error) {
        return { invalid: error };
      }
    });
    const paths = prepared.map((item) => ("file" in item ? pathOf(item.file.name) : undefined));
    const reads = await readFilesInSlices(paths);
    const failed = reads.findIndex((read) => read !== undefined && !(read instanceof Buffer));
    if (failed !== -1) {
      const cause = (reads[failed] as { failed: unknown }).failed;
      await io(`read ${paths[failed]}`, () => Promise.reject(cause));
    }
    return getEach(
      prepared.map((item, index) => ({ item, index })),
      async ({ item, index }) => {
        if ("invalid" in item) throw item.invalid;
        const bytes = reads[index] as Buffer | undefined;
        if (bytes === undefined) return undefined;
        return openFile(
          item.normal,
          item.file,
          decodeRecordFile(bytes, paths[index] as string, encrypted, item.normal),
        );
      },
      { concurrency: Math.max(1, prepared.length) },
    );
  }

  /**
   * Writes `input` under the key lock unless `skip(storedVersion)` is true (then `undefined`). The
   * record is sealed before the lock is taken — its version is known (`expectedVersion + 1`, or the
   * copy's) — so the lock is held only for I/O; only a put whose input lacks the stored creation time
   * is sealed again under the lock, because the seal covers that time too.
   */
  async function write(
    input: CredentialInput,
    putOptions: PutOptions,
    skip: (stored: number) => boolean,
  ): Promise<CredentialRecord | undefined> {
    await begin();
    checkPutOptions(putOptions);
    const key = normalizeKey(input);
    const at = now();
    const planned = recordToWrite(input, putOptions, undefined, at);
    const payload = await payloadOf(planned);
    const file = fileNameOf(key);
    return withKeyLock(key, file, async () => {
      const current = await readRecordFile(key, file);
      const stored = current?.columns.version ?? 0;
      if (skip(stored)) return undefined;
      const record = recordToWrite(
        input,
        { ...putOptions, expectedVersion: stored },
        current?.columns.createdAt,
        at,
      );
      const same = record.version === planned.version && record.createdAt === planned.createdAt;
      await writeRecordFile(file, record, same ? payload : await payloadOf(record));
      return record;
    });
  }

  return {
    capabilities: { lease: true, ttl: false, bulk: true },

    async get(key) {
      const normal = normalizeKey(key);
      await begin();
      const file = fileNameOf(normal);
      const found = await readRecordFile(normal, file);
      return found === undefined ? undefined : openFile(normal, file, found);
    },

    async getMany(keys) {
      await begin();
      return readMany(keys);
    },

    async put(input, putOptions) {
      // A put never skips: a version other than the expected one is a conflict.
      const record = await write(input, putOptions, (stored) => {
        if (stored !== putOptions.expectedVersion) {
          throw new VersionConflictError(normalizeKey(input), putOptions.expectedVersion, stored);
        }
        return false;
      });
      return record!;
    },

    async delete(key, deleteOptions: DeleteOptions = {}) {
      const normal = normalizeKey(key);
      await begin();
      const file = fileNameOf(normal);
      const path = pathOf(file.name);
      const expected = deleteOptions.expectedVersion;
      return withKeyLock(normal, file, async () => {
        if (expected !== undefined) {
          const current = await readRecordFile(normal, file);
          if (current === undefined) return false;
          if (current.columns.version !== expected) {
            throw new VersionConflictError(normal, expected, current.columns.version);
          }
        }
        try {
          await unlink(path);
        } catch (error) {
          if (errnoOf(error) === "ENOENT") return false;
          return io(`delete ${path}`, () => Promise.reject(error));
        }
        if (settings.fsync) await io(`sync ${dir}`, () => syncDirectory(dir));
        return true;
      });
    },

    list(listOptions: ListOptions = {}) {
      return listFromSorted(async () => {
        await begin();
        return io(`list ${dir}`, listing);
      }, listOptions);
    },

    async lease(key, leaseOptions: LeaseOptions): Promise<Lease> {
      const normal = normalizeKey(key);
      const { ttlMs, waitMs = 0 } = leaseOptions ?? {};
      if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0 || !Number.isSafeInteger(waitMs) || waitMs < 0) {
        throw new InvalidArgumentError("lease() needs a positive integer ttlMs and a non-negative waitMs.");
      }
      await begin();
      const path = pathOf(`.lease-${fileNameOf(normal).stem}`);
      const held = await io(`lease ${path}`, () => acquireLock(path, { ttlMs, waitMs, now }));
      if (held === undefined) throw new LeaseUnavailableError(normal);
      const lease: Lease = {
        key: normal,
        expiresAt: held.expiresAt,
        async release() {
          leases.delete(lease);
          await io(`release ${path}`, () => releaseLock(held, { now }));
        },
      };
      leases.add(lease);
      return lease;
    },

    async putMany(records: readonly CredentialRecord[]): Promise<readonly PutManyOutcome[]> {
      const outcomes: PutManyOutcome[] = [];
      for (const record of records) {
        // expectedVersion 0 only validates the record up front; the stored version decides under the lock.
        const written = await write(
          record,
          { expectedVersion: 0, copy: true },
          (stored) => stored >= record.version,
        );
        outcomes.push(written === undefined ? "skipped" : "written");
      }
      return outcomes;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...leases].map((lease) => lease.release().catch(() => {})));
      leases.clear();
    },
  };
}
