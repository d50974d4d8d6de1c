import type { Cipher } from "@credstack/storage";
import { afterAll, beforeAll, describe } from "vitest";
import { aesGcmCipherSet } from "./fixtures.js";
import type { CipherSet, StoreConformanceOptions, StoreHarness } from "./harness.js";
import { newContext, type TestContext } from "./lib/context.js";
import { basicTests, capabilityTests } from "./store-basics.js";
import { encryptionTests } from "./store-encryption.js";
import { tamperTests } from "./store-tamper.js";

/**
 * Registers the store conformance suite (Vitest `describe`/`it`) for one store. Every test runs in its own
 * namespace. Covers: round trip of every field, defaults, missing keys, redaction, invalid records,
 * compare-and-set on put and delete, concurrent writers, copy writes, complete/ordered/resumable listing,
 * hostile accounts, bad keys, leases and bulk copies (per `capabilities`); for encrypted stores also the
 * plaintext scan at rest, flipped bytes, swapped records, key rotation, a wrong key, every clear field
 * changed at rest (`ERR_INTEGRITY`), and records of the previous seal format opening and being upgraded.
 *
 * @example
 * ```ts
 * storeConformance("memoryStore", { open: async () => memoryStore() }, { encrypted: false });
 * ```
 */
export function storeConformance(
  name: string,
  harness: StoreHarness,
  options: StoreConformanceOptions,
): void {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const makeCiphers = options.ciphers ?? aesGcmCipherSet;
  let ciphers: CipherSet | undefined;
  const defaultCipher = (): Cipher | undefined => (options.encrypted ? ciphers?.current : undefined);
  const using = (body: (context: TestContext) => Promise<void>) => async () => {
    const context = newContext(harness, defaultCipher);
    try {
      await body(context);
    } finally {
      await context.dispose();
    }
  };

  describe(`storeConformance: ${name}`, () => {
    beforeAll(async () => {
      if (options.encrypted) ciphers = await makeCiphers();
    }, timeoutMs);
    afterAll(() => {
      ciphers = undefined;
    });
    basicTests(using, {
      listSize: options.listSize ?? 1000,
      concurrentWriters: options.concurrentWriters ?? 50,
      timeoutMs,
    });
    describe("capabilities", () => capabilityTests(using, timeoutMs));
    if (options.encrypted) {
      const raw = harness.raw;
      if (raw === undefined) throw new Error(`storeConformance(${name}): encrypted stores need harness.raw`);
      describe("encryption at rest", () =>
        encryptionTests(using, raw, () => ciphers as CipherSet, timeoutMs));
      describe("whole-record authentication", () =>
        tamperTests(using, raw, () => ciphers as CipherSet, timeoutMs));
    }
  });
}
