import { describe, expect, it } from "vitest";
import { aesGcmCipher } from "./aes-gcm/aes-gcm-cipher.js";
import { generateKey } from "./aes-gcm/keys.js";
import { cipherRing } from "./cipher-ring.js";

const aad = Buffer.from("binding");

describe("cipherRing", () => {
  it("seals with the active cipher and opens what previous ciphers sealed", async () => {
    const old = aesGcmCipher({ keyRing: { active: generateKey("old") } });
    const fresh = aesGcmCipher({ keyRing: { active: generateKey("new") } });
    const ring = cipherRing({ active: fresh, previous: [old] });
    const before = await old.encrypt(Buffer.from("before"), aad);
    expect(Buffer.from(await ring.decrypt(before, aad)).toString()).toBe("before");
    expect(ring.keyIdOf(before)).toBe("old");
    const after = await ring.encrypt(Buffer.from("after"), aad);
    expect(ring.keyIdOf(after)).toBe("new");
    await expect(old.decrypt(after, aad)).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
  });

  it("does not try further ciphers on tampering", async () => {
    const key = generateKey("k");
    const ring = cipherRing({
      active: aesGcmCipher({ keyRing: { active: generateKey("other") } }),
      previous: [aesGcmCipher({ keyRing: { active: key } })],
    });
    const sealed = Buffer.from(
      await aesGcmCipher({ keyRing: { active: key } }).encrypt(Buffer.from("x"), aad),
    );
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] as number) ^ 1;
    await expect(ring.decrypt(sealed, aad)).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
    await expect(ring.decrypt(Buffer.from([9, 9, 9]), aad)).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
  });
});
