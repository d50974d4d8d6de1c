import * as crypto from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { apiKeyTable, generateApiKey, hashApiKey, keyAllows } from "./api-keys.js";

vi.mock("node:crypto", async (importOriginal) => {
  const original = await importOriginal<typeof import("node:crypto")>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

describe("API keys", () => {
  it("hashes to sha256:<hex> and generates 256-bit keys", () => {
    expect(hashApiKey("abc")).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const { key, hash } = generateApiKey();
    expect(key).toMatch(/^csk_[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(hashApiKey(key));
    expect(generateApiKey().key).not.toBe(key);
  });

  it("finds the matching entry comparing every entry with timingSafeEqual (no early exit)", () => {
    const keys = ["k1", "k2", "k3"].map((id) => ({ id, secret: generateApiKey() }));
    const table = apiKeyTable(
      keys.map(({ id, secret }) => ({ id, hash: secret.hash, mode: "unrestricted" as const })),
    );
    const spy = vi.mocked(crypto.timingSafeEqual);
    spy.mockClear();
    expect(table.find(keys[0]?.secret.key)?.id).toBe("k1");
    expect(spy).toHaveBeenCalledTimes(3);
    spy.mockClear();
    expect(table.find("csk_wrong")).toBeUndefined();
    expect(spy).toHaveBeenCalledTimes(3);
    expect(table.find(undefined)).toBeUndefined();
    expect(table.find("")).toBeUndefined();
  });

  it("refuses plaintext keys, bad ids, duplicates and bad limits", () => {
    expect(() => apiKeyTable([{ id: "a", hash: "csk_plaintext", mode: "unrestricted" }])).toThrow(/sha256/);
    expect(() => apiKeyTable([{ id: "a b", hash: hashApiKey("x"), mode: "unrestricted" }])).toThrow(/id/);
    expect(() =>
      apiKeyTable([
        { id: "a", hash: hashApiKey("x"), mode: "unrestricted" },
        { id: "a", hash: hashApiKey("y"), mode: "unrestricted" },
      ]),
    ).toThrow(/Two API keys/);
    expect(() =>
      apiKeyTable([{ id: "a", hash: hashApiKey("x"), rateLimit: 0, mode: "unrestricted" }]),
    ).toThrow(/rateLimit/);
  });

  it("every key declares its grant; a service key needs an allow-list", () => {
    const hash = hashApiKey("x");
    expect(() => apiKeyTable([{ id: "a", hash } as never])).toThrow(/mode/);
    expect(() => apiKeyTable([{ id: "a", hash, mode: "service" }])).toThrow(/accounts/);
    expect(() => apiKeyTable([{ id: "a", hash, mode: "unrestricted", accounts: ["x"] }])).toThrow(/service/);
  });

  it("matches exact accounts, @domains and * patterns case-insensitively, within the providers list", () => {
    const key = {
      id: "s",
      hash: hashApiKey("x"),
      mode: "service" as const,
      providers: ["google"],
      accounts: ["Alice@Example.com", "@corp.example", "*-bot@example.com"],
    };
    expect(keyAllows(key, "google", "alice@example.com")).toBe(true);
    expect(keyAllows(key, "google", "anyone@CORP.example")).toBe(true);
    expect(keyAllows(key, "google", "anyone@evilcorp.example")).toBe(false);
    expect(keyAllows(key, "google", "ci-bot@example.com")).toBe(true);
    expect(keyAllows(key, "google", "ci-bot@example.com.evil")).toBe(false);
    expect(keyAllows(key, "google", "bob@example.com")).toBe(false);
    expect(keyAllows(key, "github", "alice@example.com")).toBe(false);
    expect(keyAllows({ ...key, mode: "unrestricted", accounts: undefined } as never, "google", "x@y")).toBe(
      true,
    );
  });
});
