import { isCredstackError } from "@credstack/errors";
import { InvalidArgumentError } from "./errors.js";
import type { CredentialKey } from "./key.js";
import type { CredentialStore } from "./store.js";

/** Counts of a {@link reseal} run. */
export interface ResealResult {
  /** Records rewritten (sealed again by the store's current cipher). */
  readonly resealed: number;
  /** Records written by someone else meanwhile (already sealed by the current cipher) or deleted. */
  readonly skipped: number;
  /** Records that could not be opened; see `failures`. */
  readonly failed: number;
  /** The first 1000 failures: key and error code. */
  readonly failures: readonly { readonly key: CredentialKey; readonly code: string }[];
}

/** Options of {@link reseal}. */
export interface ResealOptions {
  /** The store, opened with the cipher to seal with (e.g. a `cipherRing` whose `active` is the new key). */
  readonly store: CredentialStore;
  /** Only this provider's records. */
  readonly provider?: string;
  /** Decides per record whether to rewrite it. @default every record */
  readonly filter?: (key: CredentialKey) => boolean;
  /** Called after every record. */
  readonly onProgress?: (progress: { resealed: number; skipped: number; failed: number }) => void;
}

/**
 * Rewrites every record of a store so that its secrets are sealed by the store's current cipher — the
 * second half of a key or cipher rotation (`aesGcmCipher` key A → B, AES → KMS, KMS key A → B). The store
 * stays in use: each rewrite is a compare-and-set on the version just read, so a concurrent writer (a
 * refresh) is never overwritten; its own write already used the current cipher, and the record is
 * counted as skipped. One record at a time: memory stays flat. Backend failures stop the run.
 *
 * @example
 * ```ts
 * import { fileStore } from "@credstack/storage-file";
 * declare const dir: string, kms: Cipher, aes: Cipher;
 * const store = fileStore({ dir, cipher: cipherRing({ active: kms, previous: [aes] }) });
 * await reseal({ store }); // then drop `aes` from the ring
 * ```
 */
export async function reseal(options: ResealOptions): Promise<ResealResult> {
  const { store, filter, onProgress } = options;
  if (store === undefined) throw new InvalidArgumentError("reseal() needs a store.");
  let resealed = 0;
  let skipped = 0;
  let failed = 0;
  const failures: { key: CredentialKey; code: string }[] = [];
  const listOptions = options.provider === undefined ? {} : { provider: options.provider };
  for await (const key of store.list(listOptions)) {
    if (filter !== undefined && !filter(key)) continue;
    try {
      const record = await store.get(key);
      if (record === undefined) skipped++;
      else {
        await store.put(record, { expectedVersion: record.version });
        resealed++;
      }
    } catch (error) {
      if (!isCredstackError(error)) throw error;
      if (error.code === "ERR_VERSION_CONFLICT") skipped++;
      else if (["ERR_INTEGRITY", "ERR_CORRUPT_RECORD", "ERR_INVALID_RECORD"].includes(error.code)) {
        failed++;
        if (failures.length < 1000) failures.push({ key, code: error.code });
      } else throw error;
    }
    onProgress?.({ resealed, skipped, failed });
  }
  return { resealed, skipped, failed, failures };
}
