import { randomBytes } from "node:crypto";
import {
  aesGcmCipher,
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  CredstackError,
  generateKey,
} from "@credstack/storage";
import { storeConformance } from "@credstack/storage-test-suite";
import { type RedisClusterServer, startRedisCluster } from "@credstack/test-services";
import { Cluster, type Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { hashSlot } from "../src/lib/slot.js";
import { redisHarness } from "./redis-harness.js";

// A real 3-master × 1-replica cluster on loopback, for the whole file: the conformance suite (leases,
// putMany, CAS, listing, encryption) runs on it, then a master is killed (last test).
let server: RedisClusterServer;
let cluster: Cluster;
const clusterOptions = {
  redisOptions: { maxRetriesPerRequest: 1 },
  slotsRefreshTimeout: 1000,
  retryDelayOnClusterDown: 100,
  retryDelayOnFailover: 100,
};

beforeAll(async () => {
  server = await startRedisCluster();
  cluster = new Cluster([...server.startupNodes], clusterOptions);
  cluster.on("error", () => {}); // node losses are reported to callers as typed errors
  await new Promise((resolve, reject) => {
    cluster.once("ready", resolve);
    setTimeout(() => reject(new Error(`cluster not ready: ${cluster.status}`)), 10_000).unref();
  });
});
afterAll(async () => {
  await cluster?.quit().catch(() => {});
  await server?.stop();
});

/** The master node client serving every key of the store whose hash tag is `tag`. */
function nodeFor(tag: string): Redis {
  const address = (cluster.slots[hashSlot(tag)] ?? [])[0];
  const node = cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === address);
  if (node === undefined) throw new Error(`no master serves ${tag}`);
  return node;
}

const run = randomBytes(3).toString("hex");

storeConformance(
  "redisStore on a 3-master Redis Cluster",
  redisHarness(() => cluster, `cl-${run}`, nodeFor),
  { encrypted: true },
);

describe("Redis Cluster notifications", () => {
  it("watch() on one cluster client sees the writes and deletes made through another", async () => {
    const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
    const prefix = `watch-${run}`;
    const other = new Cluster([...server.startupNodes], clusterOptions);
    other.on("error", () => {});
    const writer = redisStore({ client: other, cipher, prefix, closeClient: true });
    const reader = redisStore({ client: cluster, cipher, prefix });
    const changes: unknown[] = [];
    const stop = await reader.watch?.((change) => changes.push(change));
    const key = { provider: "google", account: "w@example.com" };
    const wait = async (count: number) => {
      for (let i = 0; i < 500 && changes.length < count; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await wait(1); // subscribed
    changes.length = 0;
    const stored = await writer.put({ ...key, accessToken: "a" }, { expectedVersion: 0 });
    await writer.delete(key);
    await wait(2);
    // A cluster client publishes through any node, so the two notifications may cross on the cluster bus;
    // invalidation does not depend on their order (a change drops an entry unless it is as new).
    expect(changes).toHaveLength(2);
    expect(changes).toEqual(expect.arrayContaining([{ key, version: stored.version }, { key }]));
    await stop?.();
    await writer.close();
  });
});

describe("Redis Cluster failover", () => {
  it("a master dies: typed errors while its replica takes over, then no record lost or torn", async () => {
    const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
    const prefix = `failover-${run}`;
    const store: CredentialStore = redisStore({ client: cluster, cipher, prefix, commandTimeoutMs: 1000 });
    const keys: CredentialKey[] = Array.from({ length: 20 }, (_, i) => ({
      provider: "google",
      account: `user${i}@example.com`,
    }));
    const written = new Map<string, CredentialRecord>();
    for (const key of keys) {
      written.set(
        key.account,
        await store.put({ ...key, accessToken: `a-${key.account}` }, { expectedVersion: 0 }),
      );
    }
    // The master of the store's slot; its replicas have every acknowledged write before it dies.
    const master = nodeFor(`{${prefix}}`);
    expect(await master.call("WAIT", "1", "2000")).toBe(1);
    const victim = server.nodes.find((node) => node.port === master.options.port);
    if (victim === undefined) throw new Error("victim not found");
    await victim.kill();

    // Keep writing: every failure is ERR_STORE_UNAVAILABLE (typed), until the promoted replica answers.
    const codes = new Set<string>();
    const hot = keys[0] as CredentialKey;
    let current = written.get(hot.account) as CredentialRecord;
    const deadline = Date.now() + 30_000;
    let failures = 0;
    for (;;) {
      try {
        current = await store.put(
          { ...current, accessToken: "after-failover" },
          { expectedVersion: current.version },
        );
        break;
      } catch (error) {
        // A write that failed with ERR_STORE_UNAVAILABLE has an unknown outcome: the client may still
        // deliver it once the replica answers. A conflict then means it landed: check it is ours, whole.
        if (failures > 0 && error instanceof CredstackError && error.code === "ERR_VERSION_CONFLICT") {
          const stored = (await store.get(hot)) as CredentialRecord;
          expect(stored).toMatchObject({ accessToken: "after-failover", version: current.version + 1 });
          current = stored;
          break;
        }
        failures++;
        codes.add(error instanceof CredstackError ? error.code : `untyped: ${String(error)}`);
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(failures).toBeGreaterThan(0);
    expect([...codes]).toEqual(["ERR_STORE_UNAVAILABLE"]);
    written.set(hot.account, current);

    // Afterwards: every record opens (no ERR_INTEGRITY, no corrupt hash) and is the last one written.
    for (const key of keys) {
      const stored = await store.get(key);
      const expected = written.get(key.account) as CredentialRecord;
      expect(stored).toMatchObject({ accessToken: expected.accessToken, version: expected.version });
    }
    const listed: CredentialKey[] = [];
    for await (const key of store.list()) listed.push(key);
    expect(listed).toHaveLength(keys.length);
    await store.close();
  });
});
