import { bindingOf } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { encodingsOf, seededSecret } from "./fixtures.js";
import type { CipherFactory } from "./harness.js";
import { rejectionOf } from "./lib/context.js";

const aadOf = (account: string) => bindingOf({ provider: "google", account });

/**
 * Registers the cipher conformance suite: round trips (empty, 2 kB, 64 kB), fresh nonces, no plaintext in
 * sealed bytes, `ERR_INTEGRITY` for flipped bytes, truncation, other additional data (a swapped record),
 * a wrong key and garbage; rotation (old seals open under the rotated cipher, new seals name a new key id);
 * concurrent seals.
 *
 * @example
 * ```ts no-run
 * cipherConformance("aesGcmCipher", aesGcmCipherSet); // in a Vitest test file
 * ```
 */
export function cipherConformance(
  name: string,
  factory: CipherFactory,
  options: { timeoutMs?: number } = {},
): void {
  const timeoutMs = options.timeoutMs ?? 60_000;
  describe(`cipherConformance: ${name}`, () => {
    it(
      "round-trips empty, typical and large plaintexts",
      async () => {
        const { current } = await factory();
        for (const size of [0, 1, 2048, 65_536]) {
          const plaintext = Buffer.alloc(size, 0x61 + (size % 26));
          const sealed = await current.encrypt(plaintext, aadOf("a@x.com"));
          expect(Buffer.from(await current.decrypt(sealed, aadOf("a@x.com")))).toEqual(plaintext);
        }
      },
      timeoutMs,
    );

    it(
      "seals the same plaintext differently each time and never in clear",
      async () => {
        const { current } = await factory();
        const secret = seededSecret("cipher");
        const one = Buffer.from(await current.encrypt(Buffer.from(secret), aadOf("a@x.com")));
        const two = Buffer.from(await current.encrypt(Buffer.from(secret), aadOf("a@x.com")));
        expect(one.equals(two)).toBe(false);
        for (const encoded of encodingsOf(secret)) {
          expect(one.includes(encoded)).toBe(false);
          expect(two.includes(encoded)).toBe(false);
        }
        expect(typeof current.keyIdOf(one)).toBe("string");
        expect(current.keyIdOf(one)).toBe(current.keyIdOf(two));
      },
      timeoutMs,
    );

    it(
      "fails flipped bytes and truncation with ERR_INTEGRITY",
      async () => {
        const { current } = await factory();
        const sealed = Buffer.from(
          await current.encrypt(Buffer.from(seededSecret("flip")), aadOf("a@x.com")),
        );
        const positions = [0, 1, 2, 3, Math.floor(sealed.length / 2), sealed.length - 17, sealed.length - 1];
        for (const index of positions) {
          const tampered = Buffer.from(sealed);
          tampered[index] = (tampered[index] as number) ^ 0x80;
          expect((await rejectionOf(current.decrypt(tampered, aadOf("a@x.com")))).code).toBe("ERR_INTEGRITY");
        }
        for (const length of [0, 1, 5, sealed.length - 1]) {
          const error = await rejectionOf(current.decrypt(sealed.subarray(0, length), aadOf("a@x.com")));
          expect(error.code).toBe("ERR_INTEGRITY");
        }
        const garbage = await rejectionOf(
          current.decrypt(Buffer.from("not sealed at all"), aadOf("a@x.com")),
        );
        expect(garbage.code).toBe("ERR_INTEGRITY");
      },
      timeoutMs,
    );

    it(
      "fails sealed bytes moved to another record (other additional data) with ERR_INTEGRITY",
      async () => {
        const { current } = await factory();
        const sealed = await current.encrypt(Buffer.from(seededSecret("swap")), aadOf("victim@x.com"));
        const error = await rejectionOf(current.decrypt(sealed, aadOf("attacker@x.com")));
        expect(error.code).toBe("ERR_INTEGRITY");
      },
      timeoutMs,
    );

    it(
      "fails under a wrong key with ERR_INTEGRITY, never returning garbage",
      async () => {
        const { current, wrong } = await factory();
        const sealed = await current.encrypt(Buffer.from(seededSecret("wrong")), aadOf("a@x.com"));
        const error = await rejectionOf(wrong.decrypt(sealed, aadOf("a@x.com")));
        expect(error.code).toBe("ERR_INTEGRITY");
      },
      timeoutMs,
    );

    it(
      "opens old seals after rotation and seals new ones under the new key",
      async () => {
        const { current, rotated } = await factory();
        const plaintext = Buffer.from(seededSecret("rotate"));
        const old = await current.encrypt(plaintext, aadOf("a@x.com"));
        expect(Buffer.from(await rotated.decrypt(old, aadOf("a@x.com")))).toEqual(plaintext);
        const fresh = await rotated.encrypt(plaintext, aadOf("a@x.com"));
        expect(rotated.keyIdOf(fresh)).not.toBe(current.keyIdOf(old));
        expect(Buffer.from(await rotated.decrypt(fresh, aadOf("a@x.com")))).toEqual(plaintext);
      },
      timeoutMs,
    );

    it(
      "seals and opens 100 records concurrently",
      async () => {
        const { current } = await factory();
        const inputs = Array.from({ length: 100 }, (_, i) => ({
          aad: aadOf(`u${i % 10}@x.com`),
          text: seededSecret(`c${i}`),
        }));
        const sealed = await Promise.all(inputs.map((x) => current.encrypt(Buffer.from(x.text), x.aad)));
        const opened = await Promise.all(
          sealed.map((s, i) => current.decrypt(s, (inputs[i] as { aad: Uint8Array }).aad)),
        );
        expect(opened.map((b) => Buffer.from(b).toString())).toEqual(inputs.map((x) => x.text));
      },
      timeoutMs,
    );
  });
}
