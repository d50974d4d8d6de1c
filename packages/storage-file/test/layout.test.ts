import { mkdirSync, statSync } from "node:fs";
import { chmod, copyFile, mkdir, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { aesGcmCipher, type CredentialKey, generateKey } from "@credstack/storage";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fileStore } from "../src/index.js";
import { recordPath, tempRoot } from "./harness.js";

const root = tempRoot("layout");
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
let counter = 0;
const freshDir = () => join(root, `d${counter++}`);
const k = (account: string, provider = "google"): CredentialKey => ({ provider, account });
const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};
const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: { code?: string }) => error.code,
  );
const modeOf = (path: string) => statSync(path).mode & 0o777;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("directory and file permissions", () => {
  it("creates the directory 0700 and every file 0600 from creation, whatever the umask", async () => {
    const previous = process.umask(0);
    try {
      const dir = join(freshDir(), "nested", "store");
      const store = fileStore({ dir, cipher });
      await store.put({ ...k("a@x.com"), accessToken: "t" }, { expectedVersion: 0 });
      const lease = await store.lease!(k("a@x.com"), { ttlMs: 10_000 });
      expect(modeOf(dir)).toBe(0o700);
      for (const name of await readdir(dir)) expect([name, modeOf(join(dir, name))]).toEqual([name, 0o600]);
      expect((await readdir(dir)).some((name) => name.startsWith(".lease-"))).toBe(true);
      await lease.release();
      await store.close();
    } finally {
      process.umask(previous);
    }
  });

  it("refuses an existing directory open to group or others unless allowLooseDirectory", async () => {
    const dir = freshDir();
    mkdirSync(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const store = fileStore({ dir, cipher });
    const error = await store.get(k("a@x.com")).catch((e: Error & { code?: string }) => e);
    expect(error).toMatchObject({ code: "ERR_INVALID_CONFIG" });
    expect((error as Error).message).toContain("chmod 700");
    expect(modeOf(dir)).toBe(0o755); // not changed behind the user's back
    const loose = fileStore({ dir, cipher, allowLooseDirectory: true });
    await loose.put(k("a@x.com"), { expectedVersion: 0 });
    expect(modeOf(recordPath(dir, k("a@x.com")))).toBe(0o600);
  });

  it("refuses a path that is not a directory", async () => {
    const path = join(freshDir());
    await writeFile(path, "x");
    expect(await codeOf(fileStore({ dir: path, cipher }).get(k("a@x.com")))).toBe("ERR_INVALID_CONFIG");
  });
});

describe("file names and contents", () => {
  it("stores each key in its own injectively named file, never under the account's own name", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    const accounts = [
      "a.b@x.com",
      "a_b@x.com",
      "../../etc/passwd",
      "nul\u0000",
      "😀@x.com",
      "y".repeat(10_000),
    ];
    for (const account of accounts) await store.put(k(account), { expectedVersion: 0 });
    const names = await readdir(dir);
    expect(names).toHaveLength(accounts.length);
    for (const name of names) expect(name).toMatch(/^(c-[a-z2-7]+|h-[0-9a-f]{64})\.cred$/);
    expect(names.filter((name) => name.startsWith("h-"))).toHaveLength(1);
    const listed = await collect(store.list());
    expect(listed.map((key) => key.account).sort()).toEqual([...accounts].sort());
  });

  it("writes the documented format with the key inside and the secrets sealed", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    await store.put(
      { ...k("Fmt@x.com"), accessToken: "secret-token", scopes: ["s"] },
      { expectedVersion: 0 },
    );
    const body = JSON.parse(await readFile(recordPath(dir, k("fmt@x.com")), "utf8"));
    expect(Object.keys(body).sort()).toEqual(
      [
        "account",
        "createdAt",
        "format",
        "provider",
        "scopes",
        "sealed",
        "tokenType",
        "updatedAt",
        "version",
      ].sort(),
    );
    expect(body).toMatchObject({ format: "credstack-file/1", provider: "google", account: "Fmt@x.com" });
    expect(JSON.stringify(body)).not.toContain("secret-token");
  });

  it("fails a whole file moved into another key's slot with ERR_INTEGRITY", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    await store.put({ ...k("victim@x.com"), accessToken: "v" }, { expectedVersion: 0 });
    await store.put({ ...k("attacker@x.com"), accessToken: "a" }, { expectedVersion: 0 });
    await copyFile(recordPath(dir, k("attacker@x.com")), recordPath(dir, k("victim@x.com")));
    expect(await codeOf(store.get(k("victim@x.com")))).toBe("ERR_INTEGRITY");
    expect(await codeOf(store.put(k("victim@x.com"), { expectedVersion: 1 }))).toBe("ERR_INTEGRITY");
  });

  it("stamps times with the injected clock and honours fsync: false", async () => {
    const store = fileStore({ dir: freshDir(), cipher, now: () => 1_000, fsync: false });
    const stored = await store.put(k("clock@x.com"), { expectedVersion: 0 });
    expect(stored).toMatchObject({ createdAt: 1_000, updatedAt: 1_000 });
    expect(await store.get(k("clock@x.com"))).toMatchObject({ createdAt: 1_000, version: 1 });
  });
});

describe("plaintext mode", () => {
  it("needs a cipher unless insecurePlaintext, and not both", () => {
    expect(() => fileStore({ dir: freshDir() })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
    expect(() => fileStore({ dir: freshDir(), cipher, insecurePlaintext: true })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
  });

  it("stores clear JSON secrets and warns once per process", async () => {
    delete (globalThis as Record<symbol, unknown>)[
      Symbol.for("credstack.storage-file.insecurePlaintextWarned")
    ];
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const dir = freshDir();
    const store = fileStore({ dir, insecurePlaintext: true });
    fileStore({ dir, insecurePlaintext: true });
    await store.put({ ...k("plain@x.com"), accessToken: "clear" }, { expectedVersion: 0 });
    const body = JSON.parse(await readFile(recordPath(dir, k("plain@x.com")), "utf8"));
    expect(body.secrets).toEqual({ accessToken: "clear" });
    const warnings = warn.mock.calls.filter((call) =>
      JSON.stringify(call).includes("CREDSTACK_INSECURE_PLAINTEXT"),
    );
    expect(warnings).toHaveLength(1);
  });

  it("refuses plaintext files in an encrypted store and sealed files in a plaintext store", async () => {
    vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const dir = freshDir();
    const plain = fileStore({ dir, insecurePlaintext: true });
    const sealed = fileStore({ dir, cipher });
    await plain.put({ ...k("planted@x.com"), accessToken: "attacker" }, { expectedVersion: 0 });
    await sealed.put({ ...k("sealed@x.com"), accessToken: "s" }, { expectedVersion: 0 });
    expect(await codeOf(sealed.get(k("planted@x.com")))).toBe("ERR_INTEGRITY");
    expect(await codeOf(sealed.put(k("planted@x.com"), { expectedVersion: 1 }))).toBe("ERR_INTEGRITY");
    expect(await codeOf(plain.get(k("sealed@x.com")))).toBe("ERR_INTEGRITY");
    // Clear secret fields smuggled among the columns are refused too.
    const path = recordPath(dir, k("sealed@x.com"));
    const body = JSON.parse(await readFile(path, "utf8"));
    await writeFile(path, JSON.stringify({ ...body, accessToken: "smuggled" }));
    expect(await codeOf(sealed.get(k("sealed@x.com")))).toBe("ERR_INTEGRITY");
  });
});

describe("corrupt files", () => {
  it("throws ERR_CORRUPT_RECORD naming the path, keeps the file and still lists its key", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    await store.put({ ...k("c@x.com"), accessToken: "t" }, { expectedVersion: 0 });
    const path = recordPath(dir, k("c@x.com"));
    const good = await readFile(path);
    const damaged = [
      good.subarray(0, good.length - 10), // truncated
      Buffer.from("not json"),
      Buffer.from(JSON.stringify({ ...JSON.parse(good.toString()), format: "credstack-file/9" })),
      Buffer.from(JSON.stringify({ ...JSON.parse(good.toString()), version: "two" })),
      Buffer.from(JSON.stringify({ ...JSON.parse(good.toString()), sealed: "!!not base64!!" })),
      Buffer.from("[]"),
    ];
    for (const bytes of damaged) {
      await writeFile(path, bytes);
      const error = await store
        .get(k("c@x.com"))
        .catch((e: Error & { code?: string; location?: string }) => e);
      expect(error).toMatchObject({ code: "ERR_CORRUPT_RECORD", location: path });
      expect((error as Error).message).toContain(path);
      expect(await codeOf(store.put(k("c@x.com"), { expectedVersion: 1 }))).toBe("ERR_CORRUPT_RECORD");
      expect(await readFile(path)).toEqual(bytes);
      expect(await collect(store.list())).toEqual([k("c@x.com")]);
    }
    // An explicit delete (without expectedVersion) is how a user clears it.
    expect(await store.delete(k("c@x.com"))).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it("reports a damaged hashed-name file with a warning instead of listing or deleting it", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    const long = k("z".repeat(5_000));
    await store.put(long, { expectedVersion: 0 });
    await store.put(k("ok@x.com"), { expectedVersion: 0 });
    const path = recordPath(dir, long);
    expect(path).toMatch(/h-[0-9a-f]{64}\.cred$/);
    await writeFile(path, "{truncated");
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    expect(await collect(store.list())).toEqual([k("ok@x.com")]);
    expect(JSON.stringify(warn.mock.calls)).toContain("CREDSTACK_UNREADABLE_RECORD_FILE");
    expect(await codeOf(store.get(long))).toBe("ERR_CORRUPT_RECORD");
    expect((await stat(path)).isFile()).toBe(true);
  });
});

describe("temporary files", () => {
  it("ignores temporary files and removes on open only those older than a minute", async () => {
    const dir = freshDir();
    await mkdir(dir, { mode: 0o700 });
    const old = join(dir, ".tmp-0123456789abcdef01234567");
    const young = join(dir, ".tmp-76543210fedcba9876543210");
    await writeFile(old, "half a record");
    await writeFile(young, "a live writer's record");
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(old, twoMinutesAgo, twoMinutesAgo);
    const store = fileStore({ dir, cipher });
    expect(await collect(store.list())).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual([".tmp-76543210fedcba9876543210"]);
  });
});
