import type { CredentialKey, CredentialStore } from "@credstack/storage";
import { expect, it } from "vitest";
import { fullCredential } from "./fixtures.js";
import type { FailureInjection } from "./harness.js";
import { collect, rejectionOf, type TestContext } from "./lib/context.js";

type Using = (body: (context: TestContext) => Promise<void>) => () => Promise<void>;

const unavailable = "ERR_STORE_UNAVAILABLE";
const codeOf = (error: unknown): unknown => (error as { code?: unknown })?.code;

/** The result of a read during a failure: what it gave, or the error it failed with. */
async function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/**
 * Registers the backend-failure tests: while the harness makes the backend fail, writes reject with
 * `ERR_STORE_UNAVAILABLE` and change nothing; reads reject the same way or give what is stored (a cache
 * may answer), never a wrong answer; once the backend is back, the old record is whole. @internal
 */
export function failureTests(using: Using, failures: FailureInjection, timeoutMs: number): void {
  it(
    "surfaces backend failures as ERR_STORE_UNAVAILABLE and leaves the old record whole",
    using(async ({ open, namespace }) => {
      const store = await open();
      const { input } = fullCredential("whole@x.com");
      const key: CredentialKey = { provider: input.provider, account: input.account };
      const absent: CredentialKey = { provider: "google", account: "absent@x.com" };
      await store.put(input, { expectedVersion: 0 });
      const before = await store.put({ ...input, accessToken: "second" }, { expectedVersion: 1 });
      await failures.fail(namespace);
      try {
        const writes: [string, () => Promise<unknown>][] = [
          ["put", () => store.put({ ...input, accessToken: "during" }, { expectedVersion: 2 })],
          ["put of a new record", () => store.put({ ...absent }, { expectedVersion: 0 })],
          ["delete with expectedVersion", () => store.delete(key, { expectedVersion: 2 })],
          ["delete", () => store.delete(key)],
        ];
        for (const [what, call] of writes) {
          expect(codeOf(await rejectionOf(call())), `${what} while the backend fails`).toBe(unavailable);
        }
        const read = await settle(store.get(key));
        if ("error" in read) expect(codeOf(read.error), "get while the backend fails").toBe(unavailable);
        else expect({ ...read.value }, "get while the backend fails").toEqual({ ...before });
        const listed = await settle(collect(store.list()));
        if ("error" in listed) expect(codeOf(listed.error), "list while the backend fails").toBe(unavailable);
        else
          expect(listed.value, "list while the backend fails").toEqual([
            { provider: "google", account: "whole@x.com" },
          ]);
      } finally {
        await failures.restore(namespace);
      }
      expect({ ...(await store.get(key)) }).toEqual({ ...before });
      expect(await store.get(absent)).toBeUndefined();
      const next = await store.put({ ...before, accessToken: "third" }, { expectedVersion: before.version });
      expect(next.version).toBe(before.version + 1);
    }),
    timeoutMs,
  );
}

/** Registers the edge cases of the contract: order of checks, deletes of missing records, calls after close. @internal */
export function edgeCaseTests(using: Using, timeoutMs: number): void {
  const key = (account: string): CredentialKey => ({ provider: "google", account });

  it(
    "validates a record before the version check (ERR_INVALID_RECORD, not ERR_VERSION_CONFLICT)",
    using(async ({ open }) => {
      const store = await open();
      await store.put({ ...key("order@x.com"), accessToken: "kept" }, { expectedVersion: 0 });
      const invalid = { ...key("order@x.com"), expiresAt: "tomorrow" } as never;
      for (const expectedVersion of [0, 1, 5]) {
        expect(codeOf(await rejectionOf(store.put(invalid, { expectedVersion })))).toBe("ERR_INVALID_RECORD");
      }
      const fresh = { ...key("fresh@x.com"), scopes: "openid" } as never;
      expect(codeOf(await rejectionOf(store.put(fresh, { expectedVersion: 3 })))).toBe("ERR_INVALID_RECORD");
      expect(await store.get(key("order@x.com"))).toMatchObject({ accessToken: "kept", version: 1 });
      expect(await store.get(key("fresh@x.com"))).toBeUndefined();
    }),
    timeoutMs,
  );

  it(
    "answers false to a delete of a missing record, with or without expectedVersion",
    using(async ({ open }) => {
      const store = await open();
      for (const options of [
        undefined,
        { expectedVersion: 0 },
        { expectedVersion: 1 },
        { expectedVersion: 7 },
      ]) {
        expect(await store.delete(key("missing@x.com"), options)).toBe(false);
      }
      await store.put(key("gone@x.com"), { expectedVersion: 0 });
      expect(await store.delete(key("gone@x.com"), { expectedVersion: 1 })).toBe(true);
      expect(await store.delete(key("gone@x.com"), { expectedVersion: 1 })).toBe(false);
      expect(await collect(store.list())).toEqual([]);
    }),
    timeoutMs,
  );

  it(
    "refuses every call after close() with a typed error, and closes twice harmlessly",
    using(async ({ open }) => {
      const store: CredentialStore = await open();
      await store.put({ ...key("closed@x.com"), accessToken: "kept" }, { expectedVersion: 0 });
      await store.close();
      await store.close();
      const calls: [string, () => Promise<unknown>][] = [
        ["get", () => store.get(key("closed@x.com"))],
        ["put", () => store.put({ ...key("closed@x.com"), accessToken: "late" }, { expectedVersion: 1 })],
        ["delete", () => store.delete(key("closed@x.com"))],
        ["list", () => collect(store.list())],
      ];
      if (store.lease !== undefined)
        calls.push(["lease", () => store.lease!(key("closed@x.com"), { ttlMs: 1000 })]);
      for (const [what, call] of calls) {
        expect(["ERR_STORE_UNAVAILABLE", "ERR_INVALID_ARGUMENT"], `${what} after close()`).toContain(
          codeOf(await rejectionOf(call())),
        );
      }
    }),
    timeoutMs,
  );
}
