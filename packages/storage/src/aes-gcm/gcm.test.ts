import { describe, expect, it } from "vitest";
import { aesGcmCipher } from "./aes-gcm-cipher.js";
import { gcmNonce, gcmNonceLength } from "./gcm.js";
import { generateKey } from "./keys.js";

describe("gcmNonce", () => {
  it("gives 12-byte nonces that never repeat or share bytes, across many pool refills", () => {
    const count = 20_000; // about 40 refills of the pool
    const seen = new Set<string>();
    const nonces: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const nonce = gcmNonce();
      expect(nonce.length).toBe(gcmNonceLength);
      seen.add(nonce.toString("hex"));
      nonces.push(nonce);
    }
    expect(seen.size).toBe(count);
    // No two nonces are views of the same bytes: writing one changes no other.
    const before = nonces.map((nonce) => nonce.toString("hex"));
    nonces[0]?.fill(0);
    nonces[nonces.length - 1]?.fill(0);
    const changed = nonces.filter((nonce, i) => nonce.toString("hex") !== before[i]).length;
    expect(changed).toBe(2);
  });

  it("are random: the byte values over many nonces are spread evenly", () => {
    const counts = new Array<number>(256).fill(0);
    const count = 8_000;
    for (let i = 0; i < count; i++) for (const byte of gcmNonce()) counts[byte] = (counts[byte] ?? 0) + 1;
    const expected = (count * gcmNonceLength) / 256; // 375
    // A fixed or counter-like source would leave most values at 0 or pile them up.
    expect(Math.min(...counts)).toBeGreaterThan(expected * 0.6);
    expect(Math.max(...counts)).toBeLessThan(expected * 1.4);
  });

  it("give every seal of the same plaintext a different nonce and ciphertext", async () => {
    const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
    const plaintext = Buffer.from("same secret");
    const aad = Buffer.from("slot");
    const sealed = await Promise.all(Array.from({ length: 2000 }, () => cipher.encrypt(plaintext, aad)));
    expect(new Set(sealed.map((bytes) => Buffer.from(bytes).toString("hex"))).size).toBe(2000);
    for (const bytes of sealed.slice(0, 50))
      expect(Buffer.from(await cipher.decrypt(bytes, aad))).toEqual(plaintext);
  });
});
