import { inspect } from "node:util";
import { accountKey, type CredentialKey, type CredentialStore, compareKeys } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { fullCredential, hostileAccounts } from "./fixtures.js";
import { collect, rejectionOf, type TestContext } from "./lib/context.js";
import { concurrentIncrements } from "./lib/increments.js";

/** Registers the contract tests every store passes, encrypted or not. @internal */
export function basicTests(
  using: (body: (context: TestContext) => Promise<void>) => () => Promise<void>,
  options: { listSize: number; concurrentWriters: number; timeoutMs: number },
): void {
  const { timeoutMs } = options;
  const key = (account: string, provider = "google"): CredentialKey => ({ provider, account });

  describe("records", () => {
    it(
      "round-trips every field and stamps version and times",
      using(async ({ open }) => {
        const store = await open();
        const { input } = fullCredential();
        const before = Date.now();
        const stored = await store.put(input, { expectedVersion: 0 });
        const read = await store.get(key(input.account));
        expect(read).toBeDefined();
        for (const record of [stored, read]) {
          expect({ ...record, createdAt: 0, updatedAt: 0 }).toEqual({
            ...input,
            createdAt: 0,
            updatedAt: 0,
            version: 1,
          });
          expect(record?.createdAt).toBeGreaterThanOrEqual(before - 1000);
          expect(record?.updatedAt).toBe(record?.createdAt);
        }
        const next = await store.put({ ...read!, accessToken: "rotated" }, { expectedVersion: 1 });
        expect(next.version).toBe(2);
        expect(next.createdAt).toBe(stored.createdAt);
        expect((await store.get(key(input.account)))?.accessToken).toBe("rotated");
      }),
      timeoutMs,
    );

    it(
      "fills defaults and keeps optional fields absent",
      using(async ({ open }) => {
        const store = await open();
        await store.put({ provider: "github", account: "min@x.com" }, { expectedVersion: 0 });
        const read = await store.get(key("min@x.com", "github"));
        expect(read).toMatchObject({ tokenType: "Bearer", scopes: [], version: 1 });
        for (const field of ["accessToken", "refreshToken", "expiresAt", "idToken", "metadata", "issuer"]) {
          expect(read).not.toHaveProperty(field);
        }
      }),
      timeoutMs,
    );

    it(
      "returns undefined for a missing key and false when deleting it",
      using(async ({ open }) => {
        const store = await open();
        expect(await store.get(key("nobody@x.com"))).toBeUndefined();
        expect(await store.delete(key("nobody@x.com"))).toBe(false);
      }),
      timeoutMs,
    );

    it(
      "returns records that redact their secrets in inspect, JSON and string conversion",
      using(async ({ open }) => {
        const store = await open();
        const { input, secrets } = fullCredential();
        const stored = await store.put(input, { expectedVersion: 0 });
        const read = await store.get(key(input.account));
        for (const record of [stored, read]) {
          const shown = [
            inspect(record),
            inspect(record, { showHidden: true, depth: 9 }),
            JSON.stringify(record),
            `${record}`,
          ];
          for (const text of shown) for (const secret of secrets) expect(text).not.toContain(secret);
        }
      }),
      timeoutMs,
    );

    it(
      "rejects invalid records with ERR_INVALID_RECORD, without their values, and stores nothing",
      using(async ({ open }) => {
        const store = await open();
        const secret = "SECRET-in-an-invalid-record";
        const bad: unknown[] = [
          { provider: "Google", account: "a@x.com", accessToken: secret },
          { provider: "google", account: "", accessToken: secret },
          { provider: "google", account: "a@x.com", accessToken: 42, refreshToken: secret },
          { provider: "google", account: "a@x.com", expiresAt: "tomorrow", accessToken: secret },
          { provider: "google", account: "a@x.com", unknownField: secret },
          { provider: "google", account: "lone\ud800surrogate", accessToken: secret },
        ];
        for (const record of bad) {
          const error = await rejectionOf(store.put(record as never, { expectedVersion: 0 }));
          expect(["ERR_INVALID_RECORD", "ERR_INVALID_ARGUMENT"]).toContain(error.code);
          expect(error.message).not.toContain(secret);
        }
        expect(await collect(store.list())).toEqual([]);
        const missing = await rejectionOf(store.put({ provider: "google", account: "a@x.com" }, {} as never));
        expect(missing.code).toBe("ERR_INVALID_ARGUMENT");
      }),
      timeoutMs,
    );
  });

  describe("compare-and-set", () => {
    it(
      "refuses a stale put and a duplicate create, leaving the record unchanged",
      using(async ({ open }) => {
        const store = await open();
        await store.put(
          { provider: "google", account: "cas@x.com", accessToken: "one" },
          { expectedVersion: 0 },
        );
        const duplicate = await rejectionOf(
          store.put({ provider: "google", account: "cas@x.com", accessToken: "dup" }, { expectedVersion: 0 }),
        );
        expect(duplicate.code).toBe("ERR_VERSION_CONFLICT");
        await store.put(
          { provider: "google", account: "cas@x.com", accessToken: "two" },
          { expectedVersion: 1 },
        );
        const stale = await rejectionOf(
          store.put(
            { provider: "google", account: "cas@x.com", accessToken: "stale" },
            { expectedVersion: 1 },
          ),
        );
        expect(stale.code).toBe("ERR_VERSION_CONFLICT");
        const ahead = await rejectionOf(
          store.put({ provider: "google", account: "gone@x.com", accessToken: "x" }, { expectedVersion: 3 }),
        );
        expect(ahead.code).toBe("ERR_VERSION_CONFLICT");
        expect(await store.get(key("gone@x.com"))).toBeUndefined();
        expect(await store.get(key("cas@x.com"))).toMatchObject({ accessToken: "two", version: 2 });
      }),
      timeoutMs,
    );

    it(
      "deletes only the expected version",
      using(async ({ open }) => {
        const store = await open();
        await store.put({ provider: "google", account: "del@x.com" }, { expectedVersion: 0 });
        await store.put({ provider: "google", account: "del@x.com" }, { expectedVersion: 1 });
        const conflict = await rejectionOf(store.delete(key("del@x.com"), { expectedVersion: 1 }));
        expect(conflict.code).toBe("ERR_VERSION_CONFLICT");
        expect(await store.get(key("del@x.com"))).toMatchObject({ version: 2 });
        expect(await store.delete(key("del@x.com"), { expectedVersion: 2 })).toBe(true);
        expect(await store.get(key("del@x.com"))).toBeUndefined();
        await store.put({ provider: "google", account: "del@x.com" }, { expectedVersion: 0 });
        expect(await store.delete(key("DEL@x.com"))).toBe(true);
      }),
      timeoutMs,
    );

    it(
      `loses no update with ${options.concurrentWriters} concurrent writers on one key`,
      using(async ({ open }) => {
        const final = await concurrentIncrements(await open(), options.concurrentWriters);
        expect(final).toEqual({
          value: String(options.concurrentWriters),
          version: options.concurrentWriters + 1,
        });
      }),
      timeoutMs,
    );

    it(
      "copies a record as it is with copy: true (version and times kept)",
      using(async ({ open }) => {
        const store = await open();
        const { input } = fullCredential("copy@x.com");
        const record = {
          ...input,
          tokenType: "Bearer",
          scopes: input.scopes ?? [],
          createdAt: 1000,
          updatedAt: 2000,
          version: 7,
        };
        const stored = await store.put(record, { expectedVersion: 0, copy: true });
        expect(stored).toMatchObject({ version: 7, createdAt: 1000, updatedAt: 2000 });
        expect(await store.get(key("copy@x.com"))).toMatchObject({
          version: 7,
          createdAt: 1000,
          updatedAt: 2000,
        });
        const older = await rejectionOf(
          store.put({ ...record, version: 5 }, { expectedVersion: 7, copy: true }),
        );
        expect(older.code).toBe("ERR_INVALID_ARGUMENT");
        const stale = await rejectionOf(
          store.put({ ...record, version: 9 }, { expectedVersion: 3, copy: true }),
        );
        expect(stale.code).toBe("ERR_VERSION_CONFLICT");
        expect(await store.get(key("copy@x.com"))).toMatchObject({ version: 7 });
      }),
      timeoutMs,
    );
  });

  describe("listing", () => {
    it(
      `lists ${options.listSize} keys completely, in order, resumably`,
      using(async ({ open }) => {
        const store = await open();
        const providers = ["github", "google", "microsoft"];
        const all: CredentialKey[] = [];
        for (let i = 0; i < options.listSize; i++) {
          const provider = providers[i % providers.length] as string;
          all.push({ provider, account: `User.${(i * 7919) % options.listSize}@Example.com` });
        }
        for (let i = 0; i < all.length; i += 50) {
          await Promise.all(all.slice(i, i + 50).map((k) => store.put(k, { expectedVersion: 0 })));
        }
        const expected = all
          .map((k) => ({ provider: k.provider, account: accountKey(k.account) }))
          .sort(compareKeys);
        const listed = await collect(store.list());
        expect(listed).toEqual(expected);
        const paged: CredentialKey[] = [];
        let after: CredentialKey | undefined;
        for (;;) {
          const page = await collect(store.list(after === undefined ? { limit: 97 } : { limit: 97, after }));
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(97);
          paged.push(...page);
          after = page[page.length - 1];
        }
        expect(paged).toEqual(expected);
        const google = await collect(store.list({ provider: "google" }));
        expect(google).toEqual(expected.filter((k) => k.provider === "google"));
        const resumed = await collect(
          store.list({ provider: "google", after: google[10] as CredentialKey, limit: 5 }),
        );
        expect(resumed).toEqual(google.slice(11, 16));
      }),
      timeoutMs * 2,
    );

    it(
      "keeps a listing stable while records are rewritten",
      using(async ({ open }) => {
        const store = await open();
        for (let i = 0; i < 20; i++) await store.put(key(`s${i}@x.com`), { expectedVersion: 0 });
        const first = await collect(store.list());
        for (let i = 0; i < 20; i += 3) await store.put(key(`s${i}@x.com`), { expectedVersion: 1 });
        expect(await collect(store.list())).toEqual(first);
      }),
      timeoutMs,
    );
  });

  describe("hostile accounts", () => {
    it(
      "never lets two accounts share a slot or escape their namespace",
      using(async ({ open }) => {
        const store = await open();
        for (const [index, account] of hostileAccounts.entries()) {
          await store.put(
            { provider: "google", account, accessToken: `token-${index}` },
            { expectedVersion: 0 },
          );
        }
        for (const [index, account] of hostileAccounts.entries()) {
          const read = await store.get(key(account));
          expect(read?.accessToken).toBe(`token-${index}`);
          expect(read?.account).toBe(account);
        }
        const listed = await collect(store.list());
        expect(listed).toHaveLength(hostileAccounts.length);
        expect(listed.map((k) => k.account).sort()).toEqual(hostileAccounts.map(accountKey).sort());
        expect(await store.get(key("a.b@x.com", "github"))).toBeUndefined();
      }),
      timeoutMs,
    );

    it(
      "treats spellings of one account (case, surrounding space) as one slot, keeping the first spelling",
      using(async ({ open }) => {
        const store = await open();
        await store.put(
          { provider: "google", account: "A.B@X.com", accessToken: "t" },
          { expectedVersion: 0 },
        );
        const clash = await rejectionOf(
          store.put({ provider: "google", account: " a.b@x.COM " }, { expectedVersion: 0 }),
        );
        expect(clash.code).toBe("ERR_VERSION_CONFLICT");
        expect(await store.get(key("a.b@x.com"))).toMatchObject({ account: "A.B@X.com", accessToken: "t" });
        expect(await store.get(key("a_b@x.com"))).toBeUndefined();
      }),
      timeoutMs,
    );

    it(
      "refuses bad keys with ERR_INVALID_ARGUMENT",
      using(async ({ open }) => {
        const store = await open();
        for (const bad of [
          key(""),
          key("   "),
          key("x", "Bad Provider"),
          key("x", "../etc"),
          key("x".repeat(20_000)),
        ]) {
          expect((await rejectionOf(store.get(bad))).code).toBe("ERR_INVALID_ARGUMENT");
        }
      }),
      timeoutMs,
    );
  });
}

/** Registers the tests of optional capabilities (leases, bulk writes). @internal */
export function capabilityTests(
  using: (body: (context: TestContext) => Promise<void>) => () => Promise<void>,
  timeoutMs: number,
): void {
  const k = { provider: "google", account: "lease@x.com" };
  const ifCapable = async (store: CredentialStore, capability: "lease" | "bulk") => {
    const method = capability === "lease" ? store.lease : store.putMany;
    expect(method !== undefined).toBe(store.capabilities[capability]);
    return store.capabilities[capability];
  };

  it(
    "leases a key exclusively until release or expiry (when capabilities.lease)",
    using(async ({ open }) => {
      const store = await open();
      if (!(await ifCapable(store, "lease"))) return;
      const lease = await store.lease!(k, { ttlMs: 30_000 });
      expect(lease.expiresAt).toBeGreaterThan(Date.now());
      const held = await rejectionOf(
        store.lease!({ ...k, account: "LEASE@x.com" }, { ttlMs: 1000, waitMs: 50 }),
      );
      expect(held.code).toBe("ERR_LEASE_UNAVAILABLE");
      await lease.release();
      await lease.release();
      const again = await store.lease!(k, { ttlMs: 300 });
      const waited = await store.lease!(k, { ttlMs: 1000, waitMs: 5000 });
      expect(waited.expiresAt).toBeGreaterThan(again.expiresAt);
      await again.release(); // expired and taken over: must not release the new holder's lease
      expect((await rejectionOf(store.lease!(k, { ttlMs: 1000 }))).code).toBe("ERR_LEASE_UNAVAILABLE");
      await waited.release();
      await (await store.lease!(k, { ttlMs: 1000 })).release();
    }),
    timeoutMs,
  );

  it(
    "copies in bulk only what is absent or older (when capabilities.bulk)",
    using(async ({ open }) => {
      const store = await open();
      if (!(await ifCapable(store, "bulk"))) return;
      const base = { provider: "google", tokenType: "Bearer", scopes: [], createdAt: 1, updatedAt: 2 };
      await store.put({ provider: "google", account: "newer@x.com" }, { expectedVersion: 0 });
      await store.put({ provider: "google", account: "newer@x.com" }, { expectedVersion: 1 });
      await store.put({ provider: "google", account: "newer@x.com" }, { expectedVersion: 2 });
      await store.put({ provider: "google", account: "older@x.com" }, { expectedVersion: 0 });
      const outcomes = await store.putMany!([
        { ...base, account: "absent@x.com", version: 4, accessToken: "a" },
        { ...base, account: "newer@x.com", version: 2, accessToken: "b" },
        { ...base, account: "older@x.com", version: 5, accessToken: "c" },
      ]);
      expect(outcomes).toEqual(["written", "skipped", "written"]);
      expect(await store.get({ provider: "google", account: "absent@x.com" })).toMatchObject({
        version: 4,
        accessToken: "a",
      });
      expect(await store.get({ provider: "google", account: "newer@x.com" })).toMatchObject({ version: 3 });
      expect(await store.get({ provider: "google", account: "older@x.com" })).toMatchObject({
        version: 5,
        updatedAt: 2,
      });
    }),
    timeoutMs,
  );
}
