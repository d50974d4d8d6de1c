import type { Cipher } from "@credstack/storage";
import { afterAll, beforeAll, describe } from "vitest";
import { aesGcmCipherSet } from "./fixtures.js";
import type { CipherSet, StoreConformanceOptions, StoreHarness } from "./harness.js";
import { newContext, type TestContext } from "./lib/context.js";
import { basicTests, capabilityTests } from "./store-basics.js";
import { casTeethTests } from "./store-cas-teeth.js";
import { encryptionTests } from "./store-encryption.js";
import { edgeCaseTests, failureTests } from "./store-failures.js";
import { getManyFailureTests, getManyTamperTests, getManyTests } from "./store-get-many.js";
import { tamperTests } from "./store-tamper.js";

/**
 * Registers the store conformance suite (Vitest `describe`/`it`) for one store. Every test runs in its own
 * namespace. Covers: round trip of every field, defaults, missing keys, redaction, invalid records,
 * compare-and-set on put and delete, bulk reads (`getMany`: same as `get`, in order, one bad record
 * failing only its own result), concurrent writers, copy writes, complete/ordered/resumable listing,
 * hostile accounts, bad keys, leases and bulk copies (per `capabilities`), the order of validation and
 * version check, deletes of missing records, calls after `close()`, backend failures (when
 * `harness.failures`); for encrypted stores also the plaintext scan at rest, flipped bytes, swapped
 * records, key rotation, a wrong key, compare-and-set with ciphers that wait (yield, random delays), every
 * clear field changed at rest (`ERR_INTEGRITY`), and records of the previous seal format opening and being
 * upgraded.
 *
 * @example
 * ```ts no-run
 * import { memoryStore } from "@credstack/storage";
 * storeConformance("memoryStore", { open: async () => memoryStore() }, { encrypted: false }); // in a Vitest test file
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
    describe("bulk reads", () => getManyTests(using, timeoutMs));
    describe("edge cases", () => edgeCaseTests(using, timeoutMs));
    const failures = harness.failures;
    if (failures !== undefined) {
      describe("backend failures", () => {
        failureTests(using, failures, timeoutMs);
        getManyFailureTests(using, failures, timeoutMs);
      });
    }
    if (options.encrypted) {
      const raw = harness.raw;
      if (raw === undefined) throw new Error(`storeConformance(${name}): encrypted stores need harness.raw`);
      describe("encryption at rest", () =>
        encryptionTests(using, raw, () => ciphers as CipherSet, timeoutMs));
      describe("compare-and-set with a cipher that waits", () =>
        casTeethTests(using, () => ciphers as CipherSet, {
          writers: Math.min(options.concurrentWriters ?? 50, 20),
          timeoutMs,
        }));
      describe("whole-record authentication", () => {
        tamperTests(using, raw, () => ciphers as CipherSet, timeoutMs);
        getManyTamperTests(using, raw, timeoutMs);
      });
    }
  });
}
