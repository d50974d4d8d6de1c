/**
 * Seals and opens bytes, bound to additional authenticated data. Every credstack store takes one; the
 * store passes {@link bindingOf | the record's binding} as `aad`, so sealed bytes moved to another
 * provider or account fail to open. Sealed bytes start with a format byte and a cipher id byte
 * (docs/formats.md); `aesGcmCipher` and `kmsCipher` implement it.
 */
export interface Cipher {
  /** A short name of the cipher (`aes-256-gcm`, `kms`). */
  readonly id: string;
  /**
   * Seals `plaintext`, authenticating `aad`. Fails (never falls back to plaintext) when sealing is
   * impossible: `ERR_CIPHER_UNAVAILABLE`, `ERR_KEY_ACCESS_DENIED`.
   */
  encrypt(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /**
   * Opens sealed bytes. Tampered bytes, other `aad`, a wrong or unknown key: `ERR_INTEGRITY`, never
   * garbage.
   */
  decrypt(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** The key id recorded in sealed bytes (for inspection, doctor and rotation). */
  keyIdOf(sealed: Uint8Array): string;
}
