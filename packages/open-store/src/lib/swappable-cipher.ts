import type { Cipher } from "@credstack/storage";

/** A cipher whose keys can be replaced while stores use it (key reload without a restart). */
export interface SwappableCipher extends Cipher {
  /** Replaces the cipher every later call uses; calls already running finish with the old one. */
  swap(next: Cipher): void;
}

/** Wraps `initial` so {@link SwappableCipher.swap} can replace it. */
export function swappableCipher(initial: Cipher): SwappableCipher {
  let current = initial;
  return {
    get id() {
      return current.id;
    },
    encrypt: (plaintext, aad) => current.encrypt(plaintext, aad),
    decrypt: (sealed, aad) => current.decrypt(sealed, aad),
    keyIdOf: (sealed) => current.keyIdOf(sealed),
    swap(next) {
      current = next;
    },
  };
}
