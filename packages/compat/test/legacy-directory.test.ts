import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type CredentialKey, memoryStore } from "@credstack/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { legacyDirectoryStore, toLegacyCredentials } from "../src/index.js";
import { allKeys, type LegacyManifest, makeLegacyFixtures } from "./legacy-fixtures.js";

let fx: ReturnType<typeof makeLegacyFixtures>;
let m: LegacyManifest;
beforeAll(() => {
  fx = makeLegacyFixtures();
  m = fx.manifest;
});
afterAll(() => fx.cleanup());

const open = (extra: object = {}) =>
  legacyDirectoryStore({ dir: fx.dir, keys: allKeys(m), mapping: m.mapping, ...extra });

function digest(dir: string): string {
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else
        hash
          .update(p)
          .update(readFileSync(p))
          .update(String(statSync(p).mtimeMs));
    }
  };
  walk(dir);
  return hash.digest("hex");
}

describe("legacyDirectoryStore over files written by Python cryptography", () => {
  it("reads every variant to the exact legacy JSON (lossless, field by field)", async () => {
    const store = open();
    for (const [file, want] of Object.entries(m.expected)) {
      const record = await store.get({ provider: want.provider ?? "google", account: want.account });
      expect(record, file).toBeDefined();
      expect(record?.account.toLowerCase()).toBe(want.account);
      expect(record?.version).toBe(1);
      const scanned = (await store.scan()).find((f) => f.file === file);
      expect(scanned?.status, file).toBe("ready");
      if (scanned?.status === "ready") {
        expect(scanned.encoding).toBe(want.encoding);
        expect(scanned.layout).toBe(want.layout);
      }
      // Converting back gives the very JSON Python wrote (or encrypted).
      expect(toLegacyCredentials(record!), file).toEqual(want.json);
    }
  });

  it("maps legacy fields onto the record", async () => {
    const alice = await open().get({ provider: "google", account: "ALICE@example.com " });
    const json = m.expected["alice_at_example_com_credentials.json"]!.json;
    expect(alice?.accessToken).toBe(json.token);
    expect(alice?.refreshToken).toBe(json.refresh_token);
    expect(alice?.clientId).toBe(json.client_id);
    expect(alice?.metadata?.clientSecret).toBe(json.client_secret);
    expect(alice?.scopes).toEqual(json.scopes);
    // Naive ISO expiry is UTC.
    expect(alice?.expiresAt).toBe(Date.parse(`${json.expiry as string}Z`.replace(/(\.\d{3})\d{3}Z$/, "$1Z")));
  });

  it("keeps token groups apart from the workspace credential", async () => {
    const store = open();
    const photos = await store.get({ provider: "google-photos", account: "alice@example.com" });
    const workspace = await store.get({ provider: "google", account: "alice@example.com" });
    expect(photos?.accessToken).toBe("ya29.access-alice-photos");
    expect(workspace?.accessToken).toBe("ya29.access-alice");
  });

  it("reports every broken file with its typed error, naming the file; nothing readable from it", async () => {
    const scan = await open().scan();
    for (const [file, code] of Object.entries(m.failures)) {
      const entry = scan.find((f) => f.file === file);
      expect(entry?.status, file).toBe("failed");
      if (entry?.status === "failed") {
        expect(entry.error.code, file).toBe(code);
        expect(entry.error.message, file).toContain(file);
        expect(entry.error.message).not.toMatch(/ya29|1\/\/refresh|client-secret/);
      }
    }
    const accounts: string[] = [];
    for await (const key of open().list()) accounts.push(key.account);
    for (const file of Object.keys(m.failures)) {
      expect(accounts).not.toContain(`${file.split("_at_")[0]}@example.com`);
    }
  });

  it("never guesses an account: a lossy name with no other evidence is ambiguous, with candidates", async () => {
    const scan = await open({ mapping: {} }).scan();
    const xy = scan.find((f) => f.file === "x_y_at_example_com_credentials.enc");
    expect(xy?.status).toBe("ambiguous");
    if (xy?.status === "ambiguous") expect(xy.candidates).toEqual(["x_y@example.com", "x.y@example.com"]);
    // A name only one email can produce is proof, not a guess.
    expect(scan.find((f) => f.file === "dave_at_example_com_credentials.enc")).toMatchObject({
      status: "ready",
      evidence: "file-name",
    });
    // Contents that belong to someone else than the name says are refused, not ambiguous.
    const mallory = scan.find((f) => f.file === "mallory_at_example_com_credentials.json");
    expect(mallory?.status === "failed" && mallory.error.code).toBe("ERR_INTEGRITY");
    expect(scan.find((f) => f.file === "j_doe_at_example_com_credentials.json")?.status).toBe("ready");
  });

  it("a mapping never overrides the evidence: contradicting it is ERR_INTEGRITY", async () => {
    const scan = await open({
      mapping: {
        "mallory_at_example_com_credentials.json": "mallory@example.com",
        dave_at_example_com: "eve@example.com",
        grace_at_example_com: "linda@example.com",
      },
    }).scan();
    for (const file of [
      "mallory_at_example_com_credentials.json",
      "dave_at_example_com_credentials.enc",
      "grace_at_example_com_credentials.enc",
    ]) {
      const entry = scan.find((f) => f.file === file);
      expect(entry?.status === "failed" && entry.error.code, file).toBe("ERR_INTEGRITY");
    }
  });

  it("a supplied key bound to another account than the registry says is a conflict", async () => {
    const grace = m.keys.userKeysByAccount["grace@example.com"] as string;
    const scan = await open({ keys: { userKeysByAccount: { "mallory@example.com": grace } } }).scan();
    const entry = scan.find((f) => f.file === "grace_at_example_com_credentials.enc");
    expect(entry?.status === "failed" && entry.error.code).toBe("ERR_INTEGRITY");
  });

  it("decrypts per-user envelopes only with a recipient's key", async () => {
    const noUserKeys = await open({ keys: { mcpApiKey: m.keys.mcpApiKey } }).scan();
    const failed = (file: string) => {
      const entry = noUserKeys.find((f) => f.file === file);
      return entry?.status === "failed" ? entry.error.code : entry?.status;
    };
    expect(failed("paul_at_example_com_backup.enc")).toBe("ERR_KEY_NOT_FOUND");
    expect(failed("judy_at_example_com_credentials.enc")).toBe("ERR_KEY_NOT_FOUND");
    // Password-less OAuth recipients open from the google_sub the legacy server recorded.
    expect(failed("olga_at_example_com_credentials.enc")).toBe("ready");
    const linked = open({ keys: { userKeys: [m.keys.linkedKey] } });
    expect((await linked.get({ provider: "google", account: "grace@example.com" }))?.accessToken).toBe(
      "ya29.access-grace",
    );
    const ivan = open({ keys: { userKeysByAccount: { "ivan@example.com": m.keys.ivanKey } } });
    expect((await ivan.get({ provider: "google", account: "ivan@example.com" }))?.accessToken).toBe(
      "ya29.access-ivan",
    );
  });

  it("needs the MCP_API_KEY for files the legacy server keyed from it", async () => {
    const scan = await open({ keys: { userKeysByAccount: m.keys.userKeysByAccount } }).scan();
    expect(scan.find((f) => f.file === "erin_at_example_com_credentials.enc")).toMatchObject({
      status: "failed",
    });
    expect(scan.find((f) => f.file === "dave_at_example_com_credentials.enc")).toMatchObject({
      status: "ready",
    });
  });

  it("picks the newest of several files for one account and reports the others as superseded", async () => {
    const scan = await open().scan();
    for (const [file, winner] of Object.entries(m.superseded)) {
      const entry = scan.find((f) => f.file === file);
      expect(entry?.status).toBe("skipped");
      if (entry?.status === "skipped") expect(entry.reason).toContain(winner);
    }
  });

  it("is read-only, lists in compareKeys order, and leaves the directory untouched", async () => {
    const before = digest(fx.dir);
    const store = open();
    await expect(
      store.put({ provider: "google", account: "x@y.z" }, { expectedVersion: 0 }),
    ).rejects.toMatchObject({
      code: "ERR_READ_ONLY",
      name: "ReadOnlyStoreError",
    });
    await expect(store.delete({ provider: "google", account: "alice@example.com" })).rejects.toMatchObject({
      name: "ReadOnlyStoreError",
    });
    const keys: CredentialKey[] = [];
    for await (const key of store.list()) keys.push(key);
    const reference = memoryStore();
    for (const key of keys) await reference.put(key, { expectedVersion: 0 });
    const ordered: CredentialKey[] = [];
    for await (const key of reference.list()) ordered.push(key);
    expect(keys).toEqual(ordered);
    const page: CredentialKey[] = [];
    for await (const key of store.list({ after: keys[2]!, limit: 2 })) page.push(key);
    expect(page).toEqual(keys.slice(3, 5));
    expect(digest(fx.dir)).toBe(before);
  });
});
