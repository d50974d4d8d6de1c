import { InvalidArgumentError } from "@credstack/errors";
import { describe, expect, it } from "vitest";
import { cacheLimits, DataKeyCache } from "./data-key-cache.js";

const key = () => ({ plaintext: Buffer.alloc(32, 7), encrypted: new Uint8Array([1]), createdAt: 0, uses: 0 });

describe("DataKeyCache", () => {
  it("documents its defaults", () => {
    expect(cacheLimits()).toEqual({ maxAgeMs: 300_000, maxRecordsPerKey: 1000, maxEntries: 1000 });
    expect(() => cacheLimits({ maxEntries: -1 })).toThrow(InvalidArgumentError);
  });

  it("evicts the least recently used entry beyond maxEntries and zeroes it", () => {
    const cache = new DataKeyCache(cacheLimits({ maxEntries: 2 }), () => 0);
    const a = key();
    cache.set("a", a);
    cache.set("b", key());
    cache.get("a", false);
    cache.set("c", key());
    expect(cache.get("b", false)).toBeUndefined();
    expect(cache.get("a", false)).toBe(a);
    cache.clear();
    expect(a.plaintext.every((byte) => byte === 0)).toBe(true);
    expect(cache.size).toBe(0);
  });

  it("retires a sealing key after maxRecordsPerKey uses and zeroes expired keys", () => {
    let now = 0;
    const cache = new DataKeyCache(cacheLimits({ maxRecordsPerKey: 2, maxAgeMs: 10 }), () => now);
    const entry = key();
    cache.set("k", entry);
    entry.uses = 2;
    expect(cache.get("k", false)).toBe(entry); // opening ignores the use count
    expect(cache.get("k", true)).toBeUndefined();
    const aging = key();
    cache.set("old", aging);
    now = 10;
    expect(cache.get("old", false)).toBeUndefined();
    expect(aging.plaintext.every((byte) => byte === 0)).toBe(true);
  });
});
