import { isCredstackError } from "@credstack/errors";
import type { Cipher } from "./cipher.js";
import { IntegrityError, InvalidArgumentError } from "./errors.js";

/** Options of {@link cipherRing}. */
export interface CipherRingOptions {
  /** Seals every new write (and opens what it sealed). */
  readonly active: Cipher;
  /** Open what they sealed before the switch; never seal. Tried in order after `active`. */
  readonly previous: readonly Cipher[];
}

/**
 * Switches a store from one cipher to another without downtime — `aesGcmCipher` to `kmsCipher`, one KMS
 * key to another, and back: new writes are sealed by `active`; records sealed by a `previous` cipher keep
 * opening until they are re-sealed (`migrate()` into the same store, or `credstack rotate-key`). A sealed
 * blob is opened by the first cipher that reads its header (format and cipher id) and holds its key.
 *
 * @example
 * ```ts
 * import type { KMSClient } from "@aws-sdk/client-kms";
 * import { kmsCipher } from "@credstack/kms";
 * declare const client: KMSClient, keyId: string, keyRing: KeyRing; // the new KMS key, the old AES keys
 * const cipher = cipherRing({ active: kmsCipher({ client, keyId }), previous: [aesGcmCipher({ keyRing })] });
 * ```
 */
export function cipherRing(options: CipherRingOptions): Cipher {
  const all = [options.active, ...options.previous];
  if (options.previous.length === 0)
    throw new InvalidArgumentError("cipherRing needs at least one previous cipher.");
  const readers = (sealed: Uint8Array): Cipher[] =>
    all.filter((cipher) => {
      try {
        cipher.keyIdOf(sealed);
        return true;
      } catch {
        return false;
      }
    });
  return {
    id: `ring(${all.map((cipher) => cipher.id).join(",")})`,
    encrypt: (plaintext, aad) => options.active.encrypt(plaintext, aad),
    async decrypt(sealed, aad) {
      const candidates = readers(sealed);
      if (candidates.length === 0) throw new IntegrityError("No cipher of the ring reads this sealed data.");
      for (const [index, cipher] of candidates.entries()) {
        try {
          return await cipher.decrypt(sealed, aad);
        } catch (error) {
          // Only "I do not hold that key" moves on; tampering or an unreachable KMS stops here.
          const unknownKey = isCredstackError(error) && "keyId" in error && error.code === "ERR_INTEGRITY";
          if (!unknownKey || index === candidates.length - 1) throw error;
        }
      }
      throw new IntegrityError("No cipher of the ring opened this sealed data.");
    },
    keyIdOf(sealed) {
      const [first] = readers(sealed);
      if (first === undefined) throw new IntegrityError("No cipher of the ring reads this sealed data.");
      return first.keyIdOf(sealed);
    },
  };
}
