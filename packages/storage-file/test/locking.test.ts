import { spawnSync } from "node:child_process";
import { readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, type CredentialKey, generateKey } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { fileStore } from "../src/index.js";
import { fileNameOf } from "../src/lib/file-names.js";
import { tempRoot } from "./harness.js";

const root = tempRoot("locking");
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
let counter = 0;
const freshDir = () => join(root, `d${counter++}`);
const k: CredentialKey = { provider: "google", account: "lock@x.com" };
const stem = fileNameOf(k).stem;
const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: { code?: string }) => error.code,
  );

/** The pid of a process that has exited (so it no longer exists on this host). */
const deadPid = (): number => spawnSync(process.execPath, ["-e", "0"]).pid as number;

const owner = (fields: Partial<{ pid: number; host: string; token: string; expiresAt: number }>) =>
  JSON.stringify({
    pid: process.pid,
    host: hostname(),
    token: "someone-else",
    expiresAt: Date.now() + 60_000,
    ...fields,
  });

async function storeWithLock(content: string, options: { lockTimeoutMs?: number } = {}) {
  const dir = freshDir();
  const store = fileStore({ dir, cipher, lockTimeoutMs: options.lockTimeoutMs ?? 300 });
  await store.put(k, { expectedVersion: 0 });
  await writeFile(join(dir, `.lock-${stem}`), content);
  return { dir, store };
}

describe("key locks", () => {
  it("times out with ERR_STORE_UNAVAILABLE while a live process holds the lock, and changes nothing", async () => {
    const { dir, store } = await storeWithLock(owner({}));
    const started = Date.now();
    expect(await codeOf(store.put(k, { expectedVersion: 1 }))).toBe("ERR_STORE_UNAVAILABLE");
    expect(await codeOf(store.delete(k))).toBe("ERR_STORE_UNAVAILABLE");
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await store.get(k)).toMatchObject({ version: 1 });
    expect(JSON.parse(await readFile(join(dir, `.lock-${stem}`), "utf8")).token).toBe("someone-else");
  });

  it("breaks the lock of a process that no longer exists at once", async () => {
    const { dir, store } = await storeWithLock(owner({ pid: deadPid() }));
    expect(await store.put(k, { expectedVersion: 1 })).toMatchObject({ version: 2 });
    expect(await readdir(dir)).toEqual([fileNameOf(k).name]);
  });

  it("breaks an expired lock, even of a live process or another host", async () => {
    const { store } = await storeWithLock(owner({ host: "elsewhere", expiresAt: Date.now() - 1 }));
    expect(await store.put(k, { expectedVersion: 1 })).toMatchObject({ version: 2 });
  });

  it("keeps another host's unexpired lock (its pid means nothing here)", async () => {
    const { store } = await storeWithLock(owner({ host: "elsewhere", pid: deadPid() }));
    expect(await codeOf(store.put(k, { expectedVersion: 1 }))).toBe("ERR_STORE_UNAVAILABLE");
  });

  it("breaks a lock file left empty by a writer that died while creating it, once it is old", async () => {
    const { dir, store } = await storeWithLock("");
    expect(await codeOf(store.put(k, { expectedVersion: 1 }))).toBe("ERR_STORE_UNAVAILABLE");
    const old = new Date(Date.now() - 10_000);
    await utimes(join(dir, `.lock-${stem}`), old, old);
    expect(await store.put(k, { expectedVersion: 1 })).toMatchObject({ version: 2 });
  });

  it("serializes concurrent calls of two store instances on one directory", async () => {
    const dir = freshDir();
    const a = fileStore({ dir, cipher });
    const b = fileStore({ dir, cipher });
    await a.put({ ...k, accessToken: "0" }, { expectedVersion: 0 });
    const increment = async (store: typeof a) => {
      for (;;) {
        const current = (await store.get(k))!;
        try {
          return await store.put(
            { ...current, accessToken: String(Number(current.accessToken) + 1) },
            { expectedVersion: current.version },
          );
        } catch (error) {
          if ((error as { code?: string }).code !== "ERR_VERSION_CONFLICT") throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 2 === 0 ? a : b)));
    expect((await b.get(k))?.accessToken).toBe("40");
  });
});

describe("leases", () => {
  it("excludes other store instances until release, and ends by itself at expiry", async () => {
    const dir = freshDir();
    let clock = 1_000_000;
    const now = () => clock;
    const a = fileStore({ dir, cipher, now });
    const b = fileStore({ dir, cipher, now });
    const lease = await a.lease!(k, { ttlMs: 5_000 });
    expect(lease).toMatchObject({ key: k, expiresAt: 1_005_000 });
    expect(await codeOf(b.lease!(k, { ttlMs: 1_000, waitMs: 30 }))).toBe("ERR_LEASE_UNAVAILABLE");
    clock += 5_000;
    const taken = await b.lease!(k, { ttlMs: 1_000 });
    await lease.release(); // expired: must not remove b's lease
    expect(await codeOf(a.lease!(k, { ttlMs: 1_000 }))).toBe("ERR_LEASE_UNAVAILABLE");
    await taken.release();
    await (await a.lease!(k, { ttlMs: 1_000 })).release();
  });

  it("breaks the lease of a process that no longer exists", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    await store.get(k); // creates the directory
    await writeFile(join(dir, `.lease-${stem}`), owner({ pid: deadPid() }));
    const lease = await store.lease!(k, { ttlMs: 1_000 });
    await lease.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("rejects a bad ttl and releases held leases on close", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    expect(await codeOf(store.lease!(k, { ttlMs: 0 }))).toBe("ERR_INVALID_ARGUMENT");
    await store.lease!(k, { ttlMs: 60_000 });
    await store.close();
    expect(await readdir(dir)).toEqual([]);
  });
});
