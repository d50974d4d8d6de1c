import { setImmediate as nextTurn } from "node:timers/promises";
import type { Cipher } from "@credstack/storage";

const wrap = (cipher: Cipher, wait: () => Promise<void>): Cipher => ({
  id: cipher.id,
  async encrypt(plaintext, aad) {
    await wait();
    return cipher.encrypt(plaintext, aad);
  },
  async decrypt(sealed, aad) {
    await wait();
    return cipher.decrypt(sealed, aad);
  },
  keyIdOf: (sealed) => cipher.keyIdOf(sealed),
});

/**
 * `cipher`, but every `encrypt` and `decrypt` first yields to the event loop (a timer turn), as a remote
 * cipher (KMS) does. A store that checks the version, awaits sealing, then writes loses updates with it.
 */
export function yieldingCipher(cipher: Cipher): Cipher {
  return wrap(cipher, async () => {
    await nextTurn();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  });
}

/** `cipher`, but every `encrypt` and `decrypt` first waits a random 0–`maxMs` milliseconds (default 4). */
export function randomDelayCipher(cipher: Cipher, maxMs = 4): Cipher {
  return wrap(cipher, () => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * maxMs)));
}
