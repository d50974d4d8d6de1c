import { randomBytes } from "node:crypto";
import { aesGcmCipher, type CredentialKey, generateKey, type StoreChange } from "@credstack/storage";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { connect, deleteKeys, redisUrl } from "./redis-env.js";

const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const prefix = `watch-test:${randomBytes(4).toString("hex")}`;
let url: string;
let stopServer: () => Promise<void>;
const clients: Redis[] = [];

beforeAll(async () => {
  ({ url, stop: stopServer } = await redisUrl());
});
afterAll(async () => {
  const admin = await connect(url);
  await deleteKeys(admin, `{${prefix}`);
  await admin.quit();
  for (const client of clients) await client.quit().catch(() => {});
  await stopServer();
});

const open = async () => {
  const client = await connect(url);
  clients.push(client);
  return { client, store: redisStore({ client, cipher, prefix }) };
};

function recorder() {
  const changes: StoreChange[] = [];
  return {
    changes,
    listener: (change: StoreChange) => changes.push(change),
    async until(count: number): Promise<StoreChange[]> {
      const deadline = Date.now() + 10_000;
      while (changes.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${changes.length} changes of ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return changes.splice(0, count);
    },
  };
}

const key: CredentialKey = { provider: "google", account: "Bob@Example.com" };
const normal = { provider: "google", account: "bob@example.com" };

describe("watch (pub/sub)", () => {
  it("reports every write and delete another client makes, with key and version; a lost connection as a gap", async () => {
    const writer = await open();
    const reader = await open();
    expect(reader.store.capabilities.watch).toBe(true);
    const seen = recorder();
    const stop = await reader.store.watch?.(seen.listener);
    await seen.until(1); // subscribed: the "anything before now" report
    const first = await writer.store.put({ ...key, accessToken: "a" }, { expectedVersion: 0 });
    const second = await writer.store.put({ ...key, accessToken: "b" }, { expectedVersion: first.version });
    await writer.store.delete(key);
    await writer.store.putMany?.([{ ...second, version: second.version + 5 }]);
    expect(await seen.until(4)).toEqual([
      { key: normal, version: first.version },
      { key: normal, version: second.version },
      { key: normal },
      { key: normal, version: second.version + 5 },
    ]);
    // Kill the subscriber connection server-side: a gap is reported, then it resubscribes.
    await writer.client.client("KILL", "TYPE", "pubsub");
    expect(await seen.until(2)).toEqual([{}, {}]);
    await writer.store.delete(key);
    expect(await seen.until(1)).toEqual([{ key: normal }]);
    await stop?.();
    await writer.store.put({ ...key, accessToken: "c" }, { expectedVersion: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.changes).toEqual([]);
  });

  it("reports every record a putMany wrote (batched announcements), and a message of unknown shape as a gap", async () => {
    const writer = await open();
    const reader = await open();
    const seen = recorder();
    const stop = await reader.store.watch?.(seen.listener);
    await seen.until(1);
    const now = Date.now();
    const records = Array.from({ length: 150 }, (_, i) => ({
      provider: "bulk",
      account: `User${i}@Example.com`,
      accessToken: `t${i}`,
      tokenType: "Bearer",
      scopes: [],
      createdAt: now,
      updatedAt: now,
      version: 3,
    }));
    const outcomes = await writer.store.putMany?.(records);
    expect(outcomes?.every((outcome) => outcome === "written")).toBe(true);
    expect(await seen.until(150)).toEqual(
      records.map((record) => ({
        key: { provider: "bulk", account: record.account.toLowerCase() },
        version: 3,
      })),
    );
    // Skipped records (same version already stored) are not announced.
    await writer.store.putMany?.(records.slice(0, 10));
    await writer.client.publish(`{${prefix}}:changes`, JSON.stringify({ m: [["bulk"]] }));
    expect(await seen.until(1)).toEqual([{}]);
    await stop?.();
  });
});
