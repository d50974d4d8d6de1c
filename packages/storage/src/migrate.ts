import { isCredstackError } from "@credstack/errors";
import { InvalidArgumentError } from "./errors.js";
import { backendErrorCodes, getMany } from "./get-many.js";
import type { CredentialKey } from "./key.js";
import { checkpointSaver } from "./lib/checkpoint-saver.js";
import { copyAll } from "./lib/copy.js";
import type { CredentialRecord } from "./record.js";
import type { CredentialStore } from "./store.js";

/** Where a migration resumes from: the last key whose batch was fully handled. */
export interface MigrationCheckpoint {
  /** The key to resume after, or `undefined` to start from the beginning. */
  load(): Promise<CredentialKey | undefined>;
  /**
   * Records progress: `after` is the last key of a batch that — with every batch before it — was fully
   * handled, and `progress` the counts as of that batch. Called in the background while later batches are
   * written, one call at a time, with the newest such position (positions that became old while a save ran
   * are skipped), and once more before {@link migrate} returns or fails.
   */
  save(after: CredentialKey, progress: MigrationProgress): Promise<void>;
}

/** A record that could not be migrated. */
export interface MigrationFailure {
  /** Its key. */
  readonly key: CredentialKey;
  /** The error's stable code (`ERR_INTEGRITY`, `ERR_CORRUPT_RECORD`, ...). */
  readonly code: string;
  /** The error's message (never a secret). */
  readonly message: string;
}

/** Counts of a migration so far. */
export interface MigrationProgress {
  /** Records written into the target. */
  readonly copied: number;
  /** Records left alone: the target already held the same or a newer version (or vanished from the source). */
  readonly skipped: number;
  /** Records that could not be read or written; see `failures`. */
  readonly failed: number;
  /** The last key handled. */
  readonly last: CredentialKey | undefined;
}

/** What {@link migrate} did. */
export interface MigrationResult extends MigrationProgress {
  /** The first 1000 failures. */
  readonly failures: readonly MigrationFailure[];
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The store to read. */
  readonly from: CredentialStore;
  /** The store to write. */
  readonly to: CredentialStore;
  /** Called after each batch. */
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** Resume point; saved as batches finish (see {@link MigrationCheckpoint.save}). */
  readonly checkpoint?: MigrationCheckpoint;
  /** Records read and written per batch (memory is bounded by it). @default 100 */
  readonly batchSize?: number;
  /** Source reads in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Only this provider's records. */
  readonly provider?: string;
  /** Count what would be copied without writing anything. @default false */
  readonly dryRun?: boolean;
}

/** Errors that mean a backend is down stop the migration (resumable) instead of failing each record. */
const failureOf = (key: CredentialKey, error: unknown): MigrationFailure => {
  if (!isCredstackError(error) || backendErrorCodes.has(error.code)) throw error;
  return { key, code: error.code, message: error.message };
};

/** Batches written at once (their accounting and checkpoints stay in order). */
const writesInFlight = 2;

/**
 * Streams every record from one store into another, batch by batch (memory bounded by `batchSize`, not
 * by the number of records). Idempotent: records are copied as they are (version and times kept), and a
 * target that holds the same or a newer version is left alone. With a `checkpoint` it resumes after the
 * last finished batch. A record that cannot be read or written (corrupt, integrity failure) is counted
 * in `failed` and the migration goes on; a backend that is down stops it with its error.
 *
 * @example
 * ```ts
 * declare const oldStore: CredentialStore, newStore: CredentialStore;
 * const result = await migrate({ from: oldStore, to: newStore, onProgress: (p) => console.log(p) });
 * ```
 */
export async function migrate(options: MigrateOptions): Promise<MigrationResult> {
  const { from, to, onProgress, checkpoint, dryRun = false } = options;
  const batchSize = options.batchSize ?? 100;
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new InvalidArgumentError("batchSize must be >= 1.");
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError("concurrency must be >= 1.");
  }
  let copied = 0;
  let skipped = 0;
  let failed = 0;
  let last: CredentialKey | undefined;
  const failures: MigrationFailure[] = [];
  const fail = (failure: MigrationFailure) => {
    failed++;
    if (failures.length < 1000) failures.push(failure);
  };

  /**
   * Reads one batch from the source with one bulk read ({@link getMany}: the store's own, or `get` per
   * key, `concurrency` at a time); what was read (failures counted, absent ones skipped).
   */
  const read = async (keys: CredentialKey[]): Promise<CredentialRecord[]> => {
    const got = await getMany(from, keys, { concurrency });
    const records: CredentialRecord[] = [];
    got.forEach((result, index) => {
      if (result.error !== undefined) fail(failureOf(keys[index] as CredentialKey, result.error));
      else if (result.record === undefined) skipped++;
      else records.push(result.record);
    });
    return records;
  };

  /** Writes one read batch into the target (a dry run only compares): one outcome per record. */
  const store = async (records: CredentialRecord[]): Promise<readonly string[]> => {
    if (stopped) throw new InvalidArgumentError("The migration stopped.");
    if (dryRun) {
      const targets = await getMany(to, records, { concurrency });
      return records.map((record, index) => {
        const target = targets[index];
        if (target?.error !== undefined) throw target.error;
        const current = target?.record;
        return current !== undefined && current.version >= record.version ? "skipped" : "written";
      });
    }
    if (records.length === 0) return [];
    try {
      return await copyAll(to, records);
    } catch (error) {
      if (!isCredstackError(error) || backendErrorCodes.has(error.code)) throw error;
      // One bad record must not fail its whole batch: write them one by one to find it.
      const outcomes: string[] = [];
      for (const record of records) {
        outcomes.push(
          await copyAll(to, [record]).then(
            ([outcome]) => outcome as string,
            (cause: unknown) => {
              fail(failureOf(record, cause));
              return "failed";
            },
          ),
        );
      }
      return outcomes;
    }
  };

  const saver = checkpoint === undefined || dryRun ? undefined : checkpointSaver(checkpoint);
  /** Counts a stored batch, then asks for the checkpoint after its last key (saved in the background). */
  const account = (keys: CredentialKey[], outcomes: readonly string[]) => {
    for (const outcome of outcomes) {
      if (outcome === "written") copied++;
      else if (outcome === "skipped") skipped++;
    }
    last = keys[keys.length - 1];
    const progress = { copied, skipped, failed, last };
    if (last !== undefined) saver?.request(last, progress);
    onProgress?.(progress);
  };

  // Reads and writes overlap: while up to `writesInFlight` batches are written, the next one is listed
  // and read. Batches are accounted (counted, checkpointed) strictly in order, each after every earlier
  // one, so a checkpoint never passes a batch that was not written; once one fails, no new write starts.
  // At most `writesInFlight + 1` batches are held at once. Checkpoint saves run beside the writes.
  let stopped = false;
  let accounted: Promise<void> = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  const handle = async (keys: CredentialKey[]) => {
    const records = await read(keys);
    while (inFlight.length >= writesInFlight) await inFlight.shift();
    const stored = store(records);
    accounted = Promise.allSettled([accounted, stored]).then(([before, batch]) => {
      if (before.status === "rejected") throw before.reason;
      if (batch.status === "rejected") throw batch.reason;
      account(keys, batch.value);
    });
    accounted.catch(() => {
      stopped = true; // observed by the next handle() or the final await
    });
    inFlight.push(accounted);
  };

  const after = await checkpoint?.load();
  let batch: CredentialKey[] = [];
  const listOptions = {
    ...(after === undefined ? {} : { after }),
    ...(options.provider === undefined ? {} : { provider: options.provider }),
  };
  try {
    for await (const key of from.list(listOptions)) {
      batch.push(key);
      if (batch.length >= batchSize) {
        await handle(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await handle(batch);
    await accounted;
  } catch (error) {
    // A failed listing, read or write: let the writes in flight finish and save the last position they
    // reached before giving up.
    await accounted.catch(() => {});
    await saver?.flush().catch(() => {});
    throw error;
  }
  await saver?.flush();
  return { copied, skipped, failed, last, failures };
}
