import type { Cipher, CredentialKey } from "@credstack/storage";
import { expect, it } from "vitest";
import type { CipherSet } from "./harness.js";
import type { TestContext } from "./lib/context.js";
import { concurrentIncrements } from "./lib/increments.js";
import { randomDelayCipher, yieldingCipher } from "./slow-ciphers.js";

const counter: CredentialKey = { provider: "google", account: "counter@x.com" };

/**
 * Registers compare-and-set tests whose cipher waits, as a remote one does, so that a store that checks
 * the version, awaits sealing and then writes (a non-atomic compare-and-set) loses updates and fails.
 * For encrypted stores. @internal
 */
export function casTeethTests(
  using: (body: (context: TestContext) => Promise<void>) => () => Promise<void>,
  ciphers: () => CipherSet,
  options: { writers: number; timeoutMs: number },
): void {
  const variants: [string, (cipher: Cipher) => Cipher][] = [
    ["a cipher that yields to the event loop", yieldingCipher],
    ["a cipher with random delays", (cipher) => randomDelayCipher(cipher)],
  ];
  for (const [label, slow] of variants) {
    it(
      `loses no update with ${options.writers} concurrent writers and ${label}`,
      using(async ({ open }) => {
        const store = await open(slow(ciphers().current));
        const final = await concurrentIncrements(store, options.writers);
        expect(final).toEqual({ value: String(options.writers), version: options.writers + 1 });
      }),
      options.timeoutMs,
    );
  }

  it(
    "lets exactly one of two racing creates win when sealing waits",
    using(async ({ open }) => {
      const store = await open(yieldingCipher(ciphers().current));
      const results = await Promise.allSettled(
        ["first", "second", "third"].map((token) =>
          store.put({ ...counter, accessToken: token }, { expectedVersion: 0 }),
        ),
      );
      const won = results.filter((result) => result.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const result of results) {
        if (result.status === "rejected")
          expect(result.reason).toMatchObject({ code: "ERR_VERSION_CONFLICT" });
      }
      const stored = await store.get(counter);
      expect(stored?.version).toBe(1);
      expect(stored?.accessToken).toBe(
        (won[0] as PromiseFulfilledResult<{ accessToken?: string }>).value.accessToken,
      );
    }),
    options.timeoutMs,
  );
}
