import { describe, expect, it } from "vitest";
import { aesGcmCipher } from "./aes-gcm/aes-gcm-cipher.js";
import { generateKey } from "./aes-gcm/keys.js";
import { memoryStore } from "./memory-store.js";
import { reseal } from "./reseal.js";

describe("reseal", () => {
  it("rewrites every record with compare-and-set and skips ones written meanwhile", async () => {
    const store = memoryStore();
    for (let i = 0; i < 20; i++) {
      await store.put(
        { provider: "google", account: `u${i}@x.com`, accessToken: `t${i}` },
        { expectedVersion: 0 },
      );
    }
    let raced = false;
    const racing = {
      ...store,
      list: (o?: Parameters<typeof store.list>[0]) => store.list(o),
      async get(key: { provider: string; account: string }) {
        const record = await store.get(key);
        if (!raced && key.account === "u5@x.com" && record) {
          raced = true; // a refresh lands between reseal's read and its write
          await store.put({ ...record, accessToken: "refreshed" }, { expectedVersion: record.version });
        }
        return record;
      },
    };
    const result = await reseal({ store: racing });
    expect(result).toMatchObject({ resealed: 19, skipped: 1, failed: 0 });
    expect(await store.get({ provider: "google", account: "u5@x.com" })).toMatchObject({
      accessToken: "refreshed",
      version: 2,
    });
    expect(await store.get({ provider: "google", account: "u6@x.com" })).toMatchObject({
      accessToken: "t6",
      version: 2,
    });
  });

  it("counts records it cannot open as failed and goes on", async () => {
    const inner = memoryStore();
    await inner.put({ provider: "google", account: "ok@x.com" }, { expectedVersion: 0 });
    await inner.put({ provider: "google", account: "bad@x.com" }, { expectedVersion: 0 });
    const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
    const store = {
      ...inner,
      list: (o?: Parameters<typeof inner.list>[0]) => inner.list(o),
      async get(key: { provider: string; account: string }) {
        if (key.account === "bad@x.com") await cipher.decrypt(Buffer.from([1, 1, 0]), Buffer.alloc(0));
        return inner.get(key);
      },
    };
    expect(await reseal({ store })).toMatchObject({
      resealed: 1,
      failed: 1,
      failures: [{ code: "ERR_INTEGRITY" }],
    });
  });
});
