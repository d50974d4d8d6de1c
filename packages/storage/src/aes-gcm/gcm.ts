import { createCipheriv, createDecipheriv } from "node:crypto";
import { IntegrityError } from "../errors.js";

/** The GCM tag length used by every credstack cipher. */
export const gcmTagLength = 16;

/**
 * AES-256-GCM seal: returns ciphertext followed by the 16-byte tag. The building block of `aesGcmCipher`
 * and `kmsCipher`; the caller chooses a fresh 96-bit nonce and the additional data (header + binding).
 */
export function gcmSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  additionalData: Uint8Array,
  plaintext: Uint8Array,
): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(additionalData);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/**
 * Opens what {@link gcmSeal} produced. Any failure — a wrong key, other additional data, a flipped bit, a
 * truncated body — is an `IntegrityError` (`ERR_INTEGRITY`): never garbage.
 */
export function gcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  additionalData: Uint8Array,
  sealed: Uint8Array,
): Buffer {
  try {
    const body = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAAD(additionalData);
    decipher.setAuthTag(body.subarray(body.length - gcmTagLength));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - gcmTagLength)), decipher.final()]);
  } catch (error) {
    throw new IntegrityError("Sealed data failed authentication (tampered, moved, or a wrong key).", {
      cause: error,
    });
  }
}
