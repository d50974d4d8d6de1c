import { describe, expect, it } from "vitest";
import { failing } from "../test/failing-store.js";
import { memoryStore } from "./memory-store.js";
import { withBackup } from "./with-backup.js";

const key = { provider: "google", account: "a@x.com" };

describe("withBackup", () => {
  it("writes the backup first and hydrates the primary on read", async () => {
    const primary = memoryStore();
    const backup = memoryStore();
    const store = withBackup(primary, backup);
    await store.put({ ...key, accessToken: "one" }, { expectedVersion: 0 });
    expect(await backup.get(key)).toMatchObject({ accessToken: "one", version: 1 });
    expect(await primary.get(key)).toMatchObject({ accessToken: "one", version: 1 });
    await primary.delete(key);
    expect(await store.get(key)).toMatchObject({ accessToken: "one" });
    expect(await primary.get(key)).toMatchObject({ accessToken: "one", version: 1 });
  });

  it("fails with ERR_STORE_UNAVAILABLE and leaves memory untouched when the backup write fails", async () => {
    const primary = memoryStore();
    const healthy = memoryStore();
    await withBackup(primary, healthy).put({ ...key, accessToken: "one" }, { expectedVersion: 0 });
    const store = withBackup(primary, failing(healthy, new Set(["put", "delete"])));
    await expect(store.put({ ...key, accessToken: "two" }, { expectedVersion: 1 })).rejects.toMatchObject({
      code: "ERR_STORE_UNAVAILABLE",
    });
    await expect(
      store.put({ provider: "google", account: "new@x.com" }, { expectedVersion: 0 }),
    ).rejects.toMatchObject({
      code: "ERR_STORE_UNAVAILABLE",
    });
    await expect(store.delete(key)).rejects.toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
    expect(await primary.get(key)).toMatchObject({ accessToken: "one", version: 1 });
    expect(await primary.get({ provider: "google", account: "new@x.com" })).toBeUndefined();
  });

  it("drops a stale primary entry on a version conflict so the caller's re-read sees the backup", async () => {
    const primary = memoryStore();
    const backup = memoryStore();
    const store = withBackup(primary, backup);
    await store.put({ ...key, accessToken: "one" }, { expectedVersion: 0 });
    await backup.put({ ...key, accessToken: "elsewhere" }, { expectedVersion: 1 });
    expect(await store.get(key)).toMatchObject({ version: 1 });
    await expect(store.put({ ...key, accessToken: "mine" }, { expectedVersion: 1 })).rejects.toMatchObject({
      code: "ERR_VERSION_CONFLICT",
    });
    expect(await store.get(key)).toMatchObject({ accessToken: "elsewhere", version: 2 });
  });

  it("lists the backup's keys and leases through the backup", async () => {
    const backup = memoryStore();
    await backup.put(key, { expectedVersion: 0 });
    const store = withBackup(memoryStore(), backup);
    const listed = [];
    for await (const k of store.list()) listed.push(k);
    expect(listed).toEqual([key]);
    const lease = await store.lease!(key, { ttlMs: 10_000 });
    await expect(backup.lease!(key, { ttlMs: 1000 })).rejects.toMatchObject({
      code: "ERR_LEASE_UNAVAILABLE",
    });
    await lease.release();
  });

  it("follows the backup's watch: another writer's change drops the stale primary entry first", async () => {
    const primary = memoryStore();
    const backup = memoryStore();
    const store = withBackup(primary, backup);
    expect(store.capabilities.watch).toBe(true);
    const seen: { fresh: string | undefined }[] = [];
    const stop = await store.watch?.((change) => {
      // By the time the listener hears of it, a read through the combinator finds the new record.
      if (change.key !== undefined)
        void store.get(change.key).then((r) => seen.push({ fresh: r?.accessToken }));
    });
    const first = await store.put({ ...key, accessToken: "one" }, { expectedVersion: 0 });
    // Another process writes the backup directly: primary still holds "one".
    await backup.put({ ...first, accessToken: "two" }, { expectedVersion: first.version });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.get(key)).toMatchObject({ accessToken: "two" });
    expect(seen.at(-1)).toEqual({ fresh: "two" });
    await stop?.();
    expect(
      withBackup(primary, { ...backup, capabilities: { ...backup.capabilities, watch: false } }).capabilities
        .watch,
    ).toBe(false);
  });
});

describe("memoryStore watch", () => {
  it("reports writes, deletes and putMany synchronously, until stopped", async () => {
    const store = memoryStore();
    const changes: unknown[] = [];
    const stop = await store.watch?.((change) => changes.push(change));
    const stored = await store.put({ ...key, accessToken: "a" }, { expectedVersion: 0 });
    await store.delete(key);
    await store.delete(key); // nothing to delete: nothing reported
    await store.putMany?.([{ ...stored, version: 7 }]);
    await stop?.();
    await store.put({ ...key, accessToken: "b" }, { expectedVersion: 7 });
    expect(changes).toEqual([{ key, version: 1 }, { key }, { key, version: 7 }]);
  });
});
