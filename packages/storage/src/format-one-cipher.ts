import type { Cipher } from "./cipher.js";
import { toFormat1 } from "./lib/record-seal.js";

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
