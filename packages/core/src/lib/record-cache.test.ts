import { type CredentialRecord, type CredentialStore, memoryStore } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { createRefresher } from "../refresher.js";
import { RecordCache, slotOf } from "./record-cache.js";

const config = {
  issuer: "https://issuer.example",
  authorization_endpoint: "https://issuer.example/auth",
  token_endpoint: "https://issuer.example/token",
  clientId: "client",
  redirectUri: "https://app.example/callback",
};

describe("opened-record cache", () => {
  it("shares one store read between concurrent misses of a key", async () => {
    const inner = memoryStore();
    await inner.put({ provider: "p", account: "a@x.com", accessToken: "t" }, { expectedVersion: 0 });
    let gets = 0;
    const store: CredentialStore = {
      ...inner,
      list: (options) => inner.list(options),
      get: (key) => {
        gets++;
        return inner.get(key);
      },
    };
    const refresher = createRefresher({ store, providers: { p: config } });
    const reads = await Promise.all(
      Array.from({ length: 50 }, () => refresher.read({ provider: "p", account: "A@x.com" })),
    );
    expect(gets).toBe(1);
    expect(new Set(reads.map((record) => record?.accessToken))).toEqual(new Set(["t"]));
    await refresher.read({ provider: "p", account: "a@x.com" });
    expect(gets).toBe(1); // now cached
  });

  it("keeps entries at most ttlMs, expiring them at spread-out times", () => {
    const record = { provider: "p", account: "a", accessToken: "t", version: 1 } as CredentialRecord;
    let now = 0;
    const cache = new RecordCache(1000, 10_000, () => now);
    for (let i = 0; i < 1000; i++) cache.set(`s${i}`, record);
    now = 749;
    const alive = () =>
      Array.from({ length: 1000 }, (_, i) => cache.get(`s${i}`) !== undefined).filter(Boolean).length;
    expect(alive()).toBe(1000);
    now = 875;
    const half = alive();
    expect(half).toBeGreaterThan(100);
    expect(half).toBeLessThan(900);
    now = 1000;
    expect(alive()).toBe(0);
  });
});

describe("slotOf (remembered per provider and account as given)", () => {
  it("gives the normal form every time, and refuses a bad account every time", () => {
    for (let round = 0; round < 2; round++) {
      expect(slotOf({ provider: "google", account: " Ann@Example.com " })).toBe(
        "google\u0000ann@example.com",
      );
      expect(slotOf({ provider: "github", account: "ann@example.com" })).toBe("github\u0000ann@example.com");
      expect(() => slotOf({ provider: "google", account: "  " })).toThrow();
      expect(() => slotOf({ provider: "google", account: "\ud800" })).toThrow();
    }
  });
});
