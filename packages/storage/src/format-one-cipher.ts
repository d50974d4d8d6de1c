import type { Cipher } from "./cipher.js";
import { IntegrityError } from "./errors.js";
import { recordSealFormatOf, toFormat1 } from "./lib/record-seal.js";

/**
 * Wraps a cipher so that stores seal records in format 1 — the secrets only, as credstack did before
 * whole-record authentication — while still opening both formats. For a rolling upgrade only: processes
 * of older versions cannot open format-2 records, so give new processes this cipher until every process
 * runs this version, then drop it and run `credstack reencrypt` (or {@link reseal}) to upgrade what it
 * wrote. Records in format 1 are authenticated only in their secrets and slot: a change to a clear column
 * at rest goes unnoticed (docs/formats.md). Also used by tests and benchmarks of old records.
 *
 * @example
 * ```ts
 * import { fileStore } from "@credstack/storage-file";
 * declare const dir: string, cipher: Cipher; // your store's directory and cipher
 * const store = fileStore({ dir, cipher: formatOneCipher(cipher) }); // during the rollout only
 * ```
 */
export function formatOneCipher(inner: Cipher): Cipher {
  return {
    id: inner.id,
    encrypt: (plaintext, aad) => inner.encrypt(toFormat1(plaintext), aad),
    decrypt: (sealed, aad) => inner.decrypt(sealed, aad),
    keyIdOf: (sealed) => inner.keyIdOf(sealed),
  };
}

/**
 * Wraps a cipher so that stores open only records sealed in format 2 (every field authenticated): a
 * record in format 1 — written before whole-record authentication, or an old copy put back by someone
 * with write access to the backend, whose clear fields could then be changed unnoticed — fails with
 * `ERR_INTEGRITY`. Use it once `credstack doctor` reports no record in the previous format.
 *
 * @example
 * ```ts
 * import { postgresStore } from "@credstack/storage-postgres";
 * declare const connectionString: string, cipher: Cipher; // your database and cipher
 * const store = postgresStore({ connectionString, cipher: formatTwoOnlyCipher(cipher) });
 * ```
 */
export function formatTwoOnlyCipher(inner: Cipher): Cipher {
  return {
    id: inner.id,
    encrypt: (plaintext, aad) => inner.encrypt(plaintext, aad),
    async decrypt(sealed, aad) {
      const opened = await inner.decrypt(sealed, aad);
      if (recordSealFormatOf(opened) === 1) {
        throw new IntegrityError(
          "Stored record is sealed in the previous format (clear fields not authenticated), which this cipher refuses.",
        );
      }
      return opened;
    },
    keyIdOf: (sealed) => inner.keyIdOf(sealed),
  };
}
