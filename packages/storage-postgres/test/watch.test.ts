import type { CredentialKey, StoreChange } from "@credstack/storage";
import { afterAll, describe, expect, it } from "vitest";
import { type PostgresStore, postgresStore } from "../src/index.js";
import { adminPool, dropSchema, freshSchema, pgUrl, testCipher } from "./pg-env.js";

const admin = adminPool();
const schema = freshSchema("watch");
const cipher = testCipher();
const stores: PostgresStore[] = [];
const open = (table = "creds"): PostgresStore => {
  const store = postgresStore({ connectionString: pgUrl(), cipher, schema, table, maxConnections: 2 });
  stores.push(store);
  return store;
};

afterAll(async () => {
  for (const store of stores) await store.close();
  await dropSchema(admin, schema);
  await admin.end();
});

/** Collects changes and waits for the next ones. */
function recorder() {
  const changes: StoreChange[] = [];
  const waiters: (() => void)[] = [];
  return {
    changes,
    listener(change: StoreChange) {
      changes.push(change);
      for (const wake of waiters.splice(0)) wake();
    },
    async until(count: number): Promise<StoreChange[]> {
      const deadline = Date.now() + 10_000;
      while (changes.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${changes.length} changes of ${count}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return changes.splice(0, count);
    },
  };
}

const key: CredentialKey = { provider: "google", account: "Alice@Example.com" };

describe("watch (LISTEN/NOTIFY)", () => {
  it("reports every write and delete of another store instance, with key and version", async () => {
    const writer = open();
    const reader = open();
    expect(reader.capabilities.watch).toBe(true);
    await writer.get(key); // migrate first
    const seen = recorder();
    const stop = await reader.watch(seen.listener);
    await seen.until(1); // the "listening now" gap report
    const first = await writer.put({ ...key, accessToken: "a" }, { expectedVersion: 0 });
    const second = await writer.put({ ...key, accessToken: "b" }, { expectedVersion: first.version });
    await writer.delete(key);
    await writer.putMany([{ ...second, version: second.version + 5 }]);
    const changes = await seen.until(4);
    const normal = { provider: "google", account: "alice@example.com" };
    expect(changes).toEqual([
      { key: normal, version: first.version },
      { key: normal, version: second.version },
      { key: normal },
      { key: normal, version: second.version + 5 },
    ]);
    await stop();
    await writer.put({ ...key, accessToken: "c" }, { expectedVersion: second.version + 5 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.changes).toEqual([]);
  });

  it("a lost notification connection is reported as 'anything changed', then reconnects", async () => {
    const writer = open("lost");
    const reader = open("lost");
    await writer.get(key);
    const seen = recorder();
    const stop = await reader.watch(seen.listener);
    await seen.until(1);
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'credstack-watch' AND query LIKE 'LISTEN%'",
    );
    const gaps = await seen.until(2); // the loss, then the reconnection
    expect(gaps).toEqual([{}, {}]);
    await writer.put({ ...key, accessToken: "after" }, { expectedVersion: 0 });
    expect((await seen.until(1))[0]?.key?.provider).toBe("google");
    await stop();
  });
});
