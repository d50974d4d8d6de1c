import { createCipheriv, createDecipheriv, randomFillSync } from "node:crypto";
import { IntegrityError } from "../errors.js";

/** The GCM tag length used by every credstack cipher. */
export const gcmTagLength = 16;

/** The GCM nonce length used by every credstack cipher (96 bits). */
export const gcmNonceLength = 12;

/** Nonces drawn per refill: one `randomFillSync` call gives this many. */
const noncesPerRefill = 512;
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;

/**
 * A fresh random 96-bit GCM nonce. The bytes come from the operating system's CSPRNG like
 * `randomBytes(12)`, but drawn 512 nonces at a time (one call costs about as much as a whole seal of a
 * credential record): each refill is a new buffer, never written again, and each nonce is a distinct
 * 12-byte part of it, so no two nonces share a byte. The result is read-only by contract (it is a view).
 */
export function gcmNonce(): Buffer {
  if (nonceOffset + gcmNonceLength > noncePool.length) {
    noncePool = randomFillSync(Buffer.allocUnsafeSlow(gcmNonceLength * noncesPerRefill));
    nonceOffset = 0;
  }
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + gcmNonceLength);
  nonceOffset += gcmNonceLength;
  return nonce;
}

/**
 * AES-256-GCM seal: returns ciphertext followed by the 16-byte tag. The building block of `aesGcmCipher`
 * and `kmsCipher`; the caller chooses a fresh 96-bit nonce ({@link gcmNonce}) and the additional data
 * (header + binding).
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
