import { aesGcmCipher, type CredentialStore, generateKey } from "@credstack/storage";
import { type RedisServer, startRedis } from "@credstack/test-services";
import { Cluster, type Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { keyLayout } from "../src/lib/keys.js";
import { listPageSize } from "../src/lib/list-keys.js";
import { hashSlot } from "../src/lib/slot.js";
import { connect, deleteKeys, redisUrl } from "./redis-env.js";

const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
let url: string;
let client: Redis;
let stop: () => Promise<void>;
let prefixes = 0;
const opened: string[] = [];
const freshPrefix = () => {
  const prefix = `store-test:${process.pid}:${++prefixes}`;
  opened.push(prefix);
  return prefix;
};
const collect = async <T>(items: AsyncIterable<T>) => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};
const rejectionOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: Error & { code?: string }) => error,
  );

beforeAll(async () => {
  const redis = await redisUrl();
  url = redis.url;
  stop = redis.stop;
  client = await connect(url);
});
afterAll(async () => {
  for (const prefix of opened) await deleteKeys(client, `{${prefix}}`);
  await client?.quit();
  await stop?.();
});

describe("records without a refresh token (ttlWithoutRefreshMs)", () => {
  it("expire, and listing skips them and cleans their index entry", async () => {
    const prefix = freshPrefix();
    const layout = keyLayout(prefix);
    const store = redisStore({ client, cipher, prefix, ttlWithoutRefreshMs: 300 });
    expect(store.capabilities.ttl).toBe(true);
    const short = { provider: "google", account: "short@x.com" };
    const long = { provider: "google", account: "long@x.com" };
    await store.put({ ...short, accessToken: "a" }, { expectedVersion: 0 });
    await store.put({ ...long, accessToken: "a", refreshToken: "r" }, { expectedVersion: 0 });
    expect(await client.pttl(layout.recordKey(short))).toBeGreaterThan(0);
    expect(await client.pttl(layout.recordKey(long))).toBe(-1);

    // Gaining a refresh token makes a record permanent; losing it makes it expire again.
    const promoted = { provider: "google", account: "promoted@x.com" };
    await store.put({ ...promoted, accessToken: "a" }, { expectedVersion: 0 });
    await store.put({ ...promoted, refreshToken: "r" }, { expectedVersion: 1 });
    expect(await client.pttl(layout.recordKey(promoted))).toBe(-1);

    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await store.get(short)).toBeUndefined();
    expect(await client.zscore(layout.index, layout.member(short))).not.toBeNull(); // stale until listed
    expect(await collect(store.list())).toEqual([long, promoted]);
    expect(await client.zscore(layout.index, layout.member(short))).toBeNull();
    // The slot is free again for a new record.
    expect((await store.put({ ...short, accessToken: "b" }, { expectedVersion: 0 })).version).toBe(1);
  });

  it("are permanent when the option is not set", async () => {
    const prefix = freshPrefix();
    const store = redisStore({ client, cipher, prefix });
    expect(store.capabilities.ttl).toBe(false);
    await store.put({ provider: "google", account: "a@x.com", accessToken: "a" }, { expectedVersion: 0 });
    expect(await client.pttl(keyLayout(prefix).recordKey({ provider: "google", account: "a@x.com" }))).toBe(
      -1,
    );
  });
});

describe("listing", () => {
  it("pages through the sorted index in compareKeys order across many round trips", async () => {
    const prefix = freshPrefix();
    const store = redisStore({ client, cipher, prefix });
    const count = listPageSize * 2 + 37;
    const records = Array.from({ length: count }, (_, i) => ({
      provider: i % 3 === 0 ? "github" : "google",
      account: `user-${String(i).padStart(4, "0")}@x.com`,
      tokenType: "Bearer",
      scopes: [],
      createdAt: 1,
      updatedAt: 1,
      version: 1,
    }));
    expect(new Set(await store.putMany!(records))).toEqual(new Set(["written"]));
    const all = await collect(store.list());
    expect(all).toHaveLength(count);
    expect(all.slice(0, 3).map((key) => key.provider)).toEqual(["github", "github", "github"]);
    // Resume in pages of 100 with `after`.
    const paged = [];
    let after: { provider: string; account: string } | undefined;
    for (;;) {
      const page = await collect(store.list(after === undefined ? { limit: 100 } : { limit: 100, after }));
      paged.push(...page);
      if (page.length < 100) break;
      after = page[page.length - 1];
    }
    expect(paged).toEqual(all);
    const google = await collect(
      store.list({ provider: "google", after: { provider: "github", account: "zzz" } }),
    );
    expect(google).toEqual(all.filter((key) => key.provider === "google"));
    expect(
      await collect(store.list({ provider: "github", after: { provider: "google", account: "a" } })),
    ).toEqual([]);
  });
});

describe("stored data that is not a record", () => {
  it("fails with ERR_CORRUPT_RECORD and is left in place", async () => {
    const prefix = freshPrefix();
    const layout = keyLayout(prefix);
    const store = redisStore({ client, cipher, prefix });
    const half = { provider: "google", account: "half@x.com" };
    const text = { provider: "google", account: "text@x.com" };
    await client.hset(layout.recordKey(half), "version", "1");
    await client.set(layout.recordKey(text), "hello");
    expect((await rejectionOf(store.get(half))).code).toBe("ERR_CORRUPT_RECORD");
    // WRONGTYPE from the server: a backend failure.
    expect((await rejectionOf(store.get(text))).code).toBe("ERR_STORE_UNAVAILABLE");
    for (const key of [half, text]) {
      expect((await rejectionOf(store.put({ ...key }, { expectedVersion: 0 }))).code).toBe(
        "ERR_CORRUPT_RECORD",
      );
    }
    expect((await rejectionOf(store.delete(text, { expectedVersion: 1 }))).code).toBe("ERR_CORRUPT_RECORD");
    expect(await client.hget(layout.recordKey(half), "version")).toBe("1");
    expect(await client.get(layout.recordKey(text))).toBe("hello");
  });
});

describe("options and close()", () => {
  it("rejects bad options", () => {
    expect(() => redisStore({ client, cipher, prefix: "a{b" })).toThrow(/prefix/);
    expect(() => redisStore({ client, cipher, commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
    expect(() => redisStore({ client, cipher, ttlWithoutRefreshMs: 1.5 })).toThrow(/ttlWithoutRefreshMs/);
  });

  it("leaves the caller's client open unless closeClient is set", async () => {
    const own = await connect(url);
    const store = redisStore({ client: own, cipher, prefix: freshPrefix() });
    await store.close();
    expect((await rejectionOf(store.get({ provider: "google", account: "a@x.com" }))).code).toBe(
      "ERR_STORE_UNAVAILABLE",
    );
    expect(await own.ping()).toBe("PONG");
    const ended = new Promise((resolve) => own.once("end", resolve));
    await redisStore({ client: own, cipher, prefix: freshPrefix(), closeClient: true }).close();
    await ended;
    expect(own.status).toBe("end");
  });
});

describe("leases", () => {
  it("exclude each other across clients and expire on their own", async () => {
    const prefix = freshPrefix();
    const other = await connect(url);
    const a = redisStore({ client, cipher, prefix });
    const b = redisStore({ client: other, cipher, prefix });
    const key = { provider: "google", account: "lease@x.com" };
    const held = await a.lease!(key, { ttlMs: 200 });
    expect((await rejectionOf(b.lease!(key, { ttlMs: 1000 }))).code).toBe("ERR_LEASE_UNAVAILABLE");
    const started = Date.now();
    const taken = await b.lease!(key, { ttlMs: 1000, waitMs: 2000 });
    expect(Date.now() - started).toBeLessThan(1000);
    await held.release(); // expired and taken: must not free b's lease
    expect((await rejectionOf(a.lease!(key, { ttlMs: 1000 }))).code).toBe("ERR_LEASE_UNAVAILABLE");
    await taken.release();
    await (await a.lease!(key, { ttlMs: 1000 })).release();
    await other.quit();
  });
});

describe("Redis Cluster", () => {
  let node: RedisServer;
  let cluster: Cluster;
  beforeAll(async () => {
    node = await startRedis({
      args: ["--cluster-enabled", "yes", "--cluster-announce-ip", "127.0.0.1", "--appendonly", "no"],
    });
    const admin = await connect(node.url);
    await admin.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
    for (
      let i = 0;
      i < 100 && !((await admin.call("CLUSTER", "INFO")) as string).includes("cluster_state:ok");
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await admin.quit();
    cluster = new Cluster([{ host: "127.0.0.1", port: node.port }], {
      redisOptions: { maxRetriesPerRequest: 1 },
    });
    await new Promise((resolve, reject) => {
      cluster.once("ready", resolve);
      setTimeout(() => reject(new Error(`cluster not ready: ${cluster.status}`)), 10_000).unref();
    });
  });
  afterAll(async () => {
    await cluster?.quit();
    await node?.stop();
  });

  it("computes the same slot as the server for every key of a store", async () => {
    const layout = keyLayout("tenant:7");
    const keys = [layout.index];
    for (const account of ["a@x.com", "}{", "\u0000", "😀", "x".repeat(5000)]) {
      keys.push(
        layout.recordKey({ provider: "google", account }),
        layout.leaseKey({ provider: "google", account }),
      );
    }
    for (const key of keys) expect(await cluster.cluster("KEYSLOT", key)).toBe(hashSlot(key));
    expect(new Set(keys.map(hashSlot)).size).toBe(1);
  });

  it("runs every operation (scripts, pipelines, leases) through an ioredis Cluster", async () => {
    const store: CredentialStore = redisStore({ client: cluster, cipher, prefix: "cluster" });
    const key = { provider: "google", account: "C@x.com" };
    const stored = await store.put({ ...key, accessToken: "a" }, { expectedVersion: 0 });
    await store.put({ ...stored, accessToken: "b" }, { expectedVersion: 1 });
    expect(await store.get(key)).toMatchObject({ accessToken: "b", version: 2, account: "C@x.com" });
    const copies = Array.from({ length: 20 }, (_, i) => ({
      provider: "github",
      account: `u${i}@x.com`,
      tokenType: "Bearer",
      scopes: [],
      createdAt: 1,
      updatedAt: 1,
      version: 3,
    }));
    expect(await store.putMany!(copies)).toEqual(copies.map(() => "written"));
    expect(await collect(store.list({ limit: 3 }))).toEqual([
      { provider: "github", account: "u0@x.com" },
      { provider: "github", account: "u10@x.com" },
      { provider: "github", account: "u11@x.com" },
    ]);
    const lease = await store.lease!(key, { ttlMs: 1000 });
    await lease.release();
    expect(await store.delete(key, { expectedVersion: 2 })).toBe(true);
    expect(await store.get(key)).toBeUndefined();
    await store.close();
  });
});
