import {
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  type GetManyResult,
  getMany,
} from "@credstack/storage";
import { expect, it } from "vitest";
import { fullCredential } from "./fixtures.js";
import type { FailureInjection, RawAccess } from "./harness.js";
import { rejectionOf, type TestContext } from "./lib/context.js";

type Using = (body: (context: TestContext) => Promise<void>) => () => Promise<void>;

const keyOf = (account: string): CredentialKey => ({ provider: "google", account });

/** The store's own `getMany` when it has one, else the `getMany` helper (per-key `get`). */
const readMany = (
  store: CredentialStore,
  keys: readonly CredentialKey[],
): Promise<readonly GetManyResult[]> =>
  store.getMany === undefined ? getMany(store, keys) : store.getMany(keys);

/** Opens a store and puts a fresh credential for each account in turn: the store and the records stored. */
async function storeWithAccounts(
  open: TestContext["open"],
  accounts: readonly string[],
): Promise<{ store: CredentialStore; stored: CredentialRecord[] }> {
  const store = await open();
  const stored: CredentialRecord[] = [];
  for (const account of accounts) {
    stored.push(await store.put(fullCredential(account).input, { expectedVersion: 0 }));
  }
  return { store, stored };
}

/** A result as plain data: `{ record }` spread (stores may return frozen or class-free objects), or the code. */
const shapeOf = (result: GetManyResult | undefined) =>
  result === undefined
    ? "missing"
    : result.error !== undefined
      ? { code: result.error.code }
      : { record: result.record === undefined ? undefined : { ...result.record } };

/**
 * Registers the bulk-read tests: `getMany` (the store's, or the helper over `get` when the store has
 * none) gives what `get` gives for present and absent keys, in key order, for an empty batch, and an
 * invalid key only fails its own result. @internal
 */
export function getManyTests(using: Using, timeoutMs: number): void {
  it(
    "getMany gives what get gives for present and absent keys, in key order",
    using(async ({ open }) => {
      const store = await open();
      const accounts = Array.from({ length: 7 }, (_, i) => `many-${i}@x.com`);
      for (const account of accounts) await store.put(fullCredential(account).input, { expectedVersion: 0 });
      await store.put(
        { ...fullCredential(accounts[2] as string).input, accessToken: "v2" },
        { expectedVersion: 1 },
      );
      // Reversed, with absent keys between, a repeated key and a key in another spelling.
      const keys: CredentialKey[] = [
        keyOf("absent-1@x.com"),
        ...accounts.slice().reverse().map(keyOf),
        keyOf("absent-2@x.com"),
        keyOf(accounts[3] as string),
        { provider: "google", account: "MANY-4@X.COM" },
      ];
      const results = await readMany(store, keys);
      expect(results).toHaveLength(keys.length);
      for (const [index, key] of keys.entries()) {
        const expected = await store.get(key);
        expect(shapeOf(results[index]), `key ${index}`).toEqual({
          record: expected === undefined ? undefined : { ...expected },
        });
      }
      expect(results[0]?.record).toBeUndefined();
      expect(results[1]?.record?.account).toBe("many-6@x.com");
      expect(results[5]?.record?.accessToken).toBe("v2");
      expect(results[5]?.record?.version).toBe(2);
      expect(await readMany(store, [])).toEqual([]);
    }),
    timeoutMs,
  );

  it(
    "getMany gives an invalid key its ERR_INVALID_ARGUMENT and still returns the other keys",
    using(async ({ open }) => {
      const { store, stored } = await storeWithAccounts(open, ["valid@x.com"]);
      const results = await readMany(store, [
        { provider: "Not A Provider!", account: "x@x.com" },
        keyOf("valid@x.com"),
      ]);
      expect(shapeOf(results[0])).toEqual({ code: "ERR_INVALID_ARGUMENT" });
      expect(shapeOf(results[1])).toEqual({ record: { ...stored[0] } });
    }),
    timeoutMs,
  );
}

/**
 * Registers the bulk-read test of stores that seal secrets: one record changed at rest gives
 * `ERR_INTEGRITY` in its own result while the rest of the batch is returned. @internal
 */
export function getManyTamperTests(using: Using, raw: RawAccess, timeoutMs: number): void {
  it(
    "getMany gives a tampered record its ERR_INTEGRITY and still returns the rest of the batch",
    using(async ({ open, namespace }) => {
      const accounts = ["a@x.com", "tampered@x.com", "c@x.com"];
      const { store, stored } = await storeWithAccounts(open, accounts);
      const wrote = await raw.writeColumn(namespace, keyOf("tampered@x.com"), "scopes", [
        "https://mail.google.com/",
      ]);
      if (!wrote) return; // no clear place for scopes: nothing at rest to tamper with
      const results = await readMany(store, [...accounts.map(keyOf), keyOf("absent@x.com")]);
      expect(results.map(shapeOf)).toEqual([
        { record: { ...stored[0] } },
        { code: "ERR_INTEGRITY" },
        { record: { ...stored[2] } },
        { record: undefined },
      ]);
      expect((await rejectionOf(store.get(keyOf("tampered@x.com")))).code).toBe("ERR_INTEGRITY");
    }),
    timeoutMs,
  );
}

/**
 * Registers the bulk-read failure test: while the backend fails, `getMany` rejects with
 * `ERR_STORE_UNAVAILABLE` as a whole (or, from a cache, gives what is stored). @internal
 */
export function getManyFailureTests(using: Using, failures: FailureInjection, timeoutMs: number): void {
  it(
    "getMany rejects as a whole with ERR_STORE_UNAVAILABLE while the backend fails",
    using(async ({ open, namespace }) => {
      const store = await open();
      const stored = await store.put(fullCredential("down@x.com").input, { expectedVersion: 0 });
      await failures.fail(namespace);
      try {
        const keys = [keyOf("down@x.com"), keyOf("absent@x.com")];
        let results: readonly GetManyResult[] | undefined;
        let failure: unknown;
        try {
          results = await readMany(store, keys);
        } catch (error) {
          failure = error;
        }
        if (results === undefined) {
          expect((failure as { code?: unknown })?.code).toBe("ERR_STORE_UNAVAILABLE");
        } else {
          // A cache in front of the backend (withBackup) may answer what it holds, never a per-key failure.
          expect(shapeOf(results[0])).toEqual({ record: { ...stored } });
          expect(results[1]?.error?.code ?? "ERR_STORE_UNAVAILABLE").toBe("ERR_STORE_UNAVAILABLE");
        }
      } finally {
        await failures.restore(namespace);
      }
      expect((await readMany(store, [keyOf("down@x.com")])).map(shapeOf)).toEqual([
        { record: { ...stored } },
      ]);
    }),
    timeoutMs,
  );
}
