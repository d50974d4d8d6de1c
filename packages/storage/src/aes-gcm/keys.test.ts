import { chmod, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { aesGcmCipher } from "./aes-gcm-cipher.js";
import { loadKeyFile, loadOrCreateKeyFile } from "./key-file.js";
import { aesKey, generateKey, keyFromBase64, keyToBase64, loadKeyFromEnv } from "./keys.js";

const tempDir = () => mkdtemp(join(tmpdir(), "credstack-keys-"));

describe("AES keys", () => {
  it("are 32 random bytes with a fingerprint id, redacted when shown", () => {
    const key = generateKey();
    expect(key.secret).toHaveLength(32);
    expect(key.id).toMatch(/^k-[0-9a-f]{16}$/);
    expect(generateKey().id).not.toBe(key.id);
    const b64 = keyToBase64(key);
    expect(inspect(key)).not.toContain(b64);
    expect(JSON.stringify(key)).not.toContain(b64);
    expect(keyFromBase64(b64).id).toBe(key.id);
  });

  it("load from an environment variable, naming the variable but never its value on error", () => {
    const key = generateKey();
    expect(loadKeyFromEnv("MY_KEY", { MY_KEY: keyToBase64(key) }).id).toBe(key.id);
    expect(loadKeyFromEnv("MY_KEY", { MY_KEY: Buffer.from(key.secret).toString("base64url") }).id).toBe(
      key.id,
    );
    for (const value of [undefined, "", "c2hvcnQ=", "not base64 at all!", `${keyToBase64(key)}AAAA`]) {
      let caught: Error & { code?: string } = new Error("none");
      try {
        loadKeyFromEnv("MY_KEY", { MY_KEY: value });
      } catch (error) {
        caught = error as Error & { code?: string };
      }
      expect(caught.code).toBe("ERR_INVALID_CONFIG");
      expect(caught.message).toContain("MY_KEY");
      if (value) expect(caught.message).not.toContain(value);
    }
  });

  it("refuse wrong lengths and bad ids", () => {
    expect(() => aesKey(new Uint8Array(16))).toThrow(expect.objectContaining({ code: "ERR_INVALID_CONFIG" }));
    expect(() => generateKey("has space")).toThrow(expect.objectContaining({ code: "ERR_INVALID_CONFIG" }));
  });

  it("create a key file once, mode 0600, and never overwrite it", async () => {
    const path = join(await tempDir(), "credstack.key");
    const first = await loadOrCreateKeyFile(path);
    expect(first.created).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const content = await readFile(path, "utf8");
    const again = await Promise.all([loadOrCreateKeyFile(path), loadOrCreateKeyFile(path)]);
    expect(again.map((x) => x.created)).toEqual([false, false]);
    expect(again.map((x) => x.key.id)).toEqual([first.key.id, first.key.id]);
    expect(await readFile(path, "utf8")).toBe(content);
  });

  it("create a key file's missing folders with mode 0700, and leave an existing folder's mode alone", async () => {
    const root = await tempDir();
    const path = join(root, ".credstack", "nested", "credstack.key");
    expect((await loadOrCreateKeyFile(path)).created).toBe(true);
    expect((await stat(join(root, ".credstack"))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, ".credstack", "nested"))).mode & 0o777).toBe(0o700);
    await chmod(root, 0o755);
    expect((await loadOrCreateKeyFile(join(root, "other.key"))).created).toBe(true);
    expect((await stat(root)).mode & 0o777).toBe(0o755);
  });

  it("race to create a key file: every caller ends with the same key", async () => {
    const path = join(await tempDir(), "race.key");
    const results = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(path)));
    expect(results.filter((x) => x.created)).toHaveLength(1);
    expect(new Set(results.map((x) => x.key.id)).size).toBe(1);
  });

  it("refuse a key file others can read, and a malformed one", async () => {
    const dir = await tempDir();
    const loose = join(dir, "loose.key");
    await writeFile(loose, keyToBase64(generateKey()), { mode: 0o644 });
    await expect(loadKeyFile(loose)).rejects.toMatchObject({ code: "ERR_INVALID_CONFIG" });
    const bad = join(dir, "bad.key");
    await writeFile(bad, "garbage", { mode: 0o600 });
    await expect(loadKeyFile(bad)).rejects.toMatchObject({ code: "ERR_INVALID_CONFIG" });
    await expect(loadOrCreateKeyFile(bad)).rejects.toMatchObject({ code: "ERR_INVALID_CONFIG" });
    expect(await readFile(bad, "utf8")).toBe("garbage");
  });
});

describe("aesGcmCipher", () => {
  const aad = Buffer.from("binding");
  it("writes the documented layout: format 1, cipher 1, key id, 96-bit nonce, tag", async () => {
    const key = generateKey("key-2026");
    const sealed = Buffer.from(
      await aesGcmCipher({ keyRing: { active: key } }).encrypt(Buffer.from("hello"), aad),
    );
    expect([...sealed.subarray(0, 3)]).toEqual([1, 1, 8]);
    expect(sealed.subarray(3, 11).toString()).toBe("key-2026");
    expect(sealed.length).toBe(3 + 8 + 12 + 5 + 16);
  });

  it("names an unknown key id in ERR_INTEGRITY", async () => {
    const sealed = await aesGcmCipher({ keyRing: { active: generateKey("old") } }).encrypt(
      Buffer.from("x"),
      aad,
    );
    await expect(
      aesGcmCipher({ keyRing: { active: generateKey("new") } }).decrypt(sealed, aad),
    ).rejects.toMatchObject({
      code: "ERR_INTEGRITY",
      keyId: "old",
    });
  });

  it("refuses a key ring with a duplicate id", () => {
    const key = generateKey();
    expect(() => aesGcmCipher({ keyRing: { active: key, previous: [key] } })).toThrow(/twice/);
  });
});
