import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, generateKey, keyToBase64 } from "@credstack/storage";
import type { migrateSchema } from "@credstack/storage-postgres";
import { startPostgres, startRedis } from "@credstack/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientOptionsFromEnv,
  type KeyReload,
  keySourcesFromEnv,
  openStore,
  StoreConfigError,
} from "../src/index.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "credstack-open-store-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
/** `pg.Pool`, typed through the adapter (this package has no `@types/pg`; `pg` is an optional peer). */
type PgPool = Parameters<typeof migrateSchema>[0];
async function pgPool(connectionString: string): Promise<PgPool> {
  const specifier: string = "pg";
  const pg = (await import(specifier)) as {
    default: { Pool: new (config: { connectionString: string; max: number }) => PgPool };
  };
  return new pg.default.Pool({ connectionString, max: 1 });
}
const record = (account: string) => ({ provider: "google", account, accessToken: `at-${account}` });
const unique = () => Math.random().toString(36).slice(2, 10);

describe("keySourcesFromEnv / clientOptionsFromEnv", () => {
  it("reads every variable and names the one that is wrong, never its value", () => {
    const [a, b, c] = [generateKey(), generateKey(), generateKey()];
    const sources = keySourcesFromEnv(
      {
        CREDSTACK_KEY: keyToBase64(a),
        CREDSTACK_PREVIOUS_KEYS: `${keyToBase64(b)}, ${keyToBase64(c)}`,
        CREDSTACK_KEY_FILE: "one.key,two.key",
        CREDSTACK_KEY_RING_FILE: "ring",
        CREDSTACK_KMS_KEY_ID: "alias/credstack",
        CREDSTACK_KMS_REGION: "eu-west-1",
      },
      "/srv",
    );
    expect(sources.keys?.map((key) => key.id)).toEqual([a.id, b.id, c.id]);
    expect(sources).toMatchObject({
      keyFiles: ["/srv/one.key", "/srv/two.key"],
      keyRingFile: "/srv/ring",
      kms: { keyId: "alias/credstack", region: "eu-west-1" },
    });
    const bad = (() => {
      try {
        keySourcesFromEnv({ CREDSTACK_PREVIOUS_KEYS: `${keyToBase64(a)},not-a-key-secret` });
      } catch (error) {
        return error as StoreConfigError;
      }
    })();
    expect(bad).toBeInstanceOf(StoreConfigError);
    expect(bad).toMatchObject({ code: "ERR_INVALID_CONFIG", source: "CREDSTACK_PREVIOUS_KEYS[1]" });
    expect(bad?.message).not.toContain("not-a-key-secret");
    expect(clientOptionsFromEnv({ CREDSTACK_PG_POOL: "3", CREDSTACK_STORE_TIMEOUT_MS: "1500" })).toEqual({
      poolSize: 3,
      timeoutMs: 1500,
    });
    expect(() => clientOptionsFromEnv({ CREDSTACK_PG_POOL: "lots" })).toThrow(/CREDSTACK_PG_POOL/);
  });
});

describe("openStore", () => {
  let pgUrl = process.env.CREDSTACK_TEST_PG_URL ?? "";
  let redisUrl = process.env.CREDSTACK_TEST_REDIS_URL ?? "";
  beforeAll(async () => {
    if (!pgUrl) {
      const pg = await startPostgres();
      cleanups.push(() => pg.stop());
      pgUrl = pg.url;
    }
    if (!redisUrl) {
      const redis = await startRedis();
      cleanups.push(() => redis.stop());
      redisUrl = redis.url;
    }
  });
  const pgUri = () => `${pgUrl}${pgUrl.includes("?") ? "&" : "?"}table=os_${unique()}`;

  it("a shared store needs a key; previous keys open, the first seals (Postgres and Redis)", async () => {
    await expect(openStore(pgUri())).rejects.toMatchObject({
      code: "ERR_INVALID_CONFIG",
      source: "CREDSTACK_KEY",
    });
    const [old, next] = [generateKey(), generateKey()];
    for (const uri of [pgUri(), `${redisUrl}${redisUrl.includes("?") ? "&" : "?"}prefix=os-${unique()}`]) {
      const before = await openStore(uri, keySourcesFromEnv({ CREDSTACK_KEY: keyToBase64(old) }), {
        client: { poolSize: 2, timeoutMs: 3000 },
      });
      await before.store.put(record("a@example.com"), { expectedVersion: 0 });
      await before.store.close();
      const env = { CREDSTACK_KEY: keyToBase64(next), CREDSTACK_PREVIOUS_KEYS: keyToBase64(old) };
      const rotated = await openStore(uri, keySourcesFromEnv(env));
      expect(rotated.sealingKeyId).toBe(next.id);
      expect((await rotated.store.get(record("a@example.com")))?.accessToken).toBe("at-a@example.com");
      await rotated.store.put(record("b@example.com"), { expectedVersion: 0 });
      await rotated.store.close();
      const nextOnly = await openStore(uri, { keys: [next] });
      expect((await nextOnly.store.get(record("b@example.com")))?.accessToken).toBe("at-b@example.com");
      await expect(nextOnly.store.get(record("a@example.com"))).rejects.toMatchObject({
        code: "ERR_INTEGRITY",
      });
      await nextOnly.store.close();
    }
  });

  it("migrate: false opens a postgres:// store without creating its schema or table; it reads one that exists", async () => {
    const schema = `os_dry_${unique()}`;
    const table = `os_t_${unique()}`;
    const uri = `${pgUrl}${pgUrl.includes("?") ? "&" : "?"}schema=${schema}&table=${table}`;
    const db = await pgPool(pgUrl);
    cleanups.push(async () => {
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    });
    const created = async () => ({
      schemas: (await db.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema])).rowCount,
      tables: (await db.query("SELECT tablename FROM pg_tables WHERE schemaname = $1", [schema])).rows.map(
        (row: { tablename: string }) => row.tablename,
      ),
    });
    const key = { keys: [generateKey()] };

    const bare = await openStore(uri, key, { migrate: false });
    const missing = await bare.store.get(record("a@example.com")).catch((error: unknown) => error);
    await bare.store.close();
    expect(missing).toMatchObject({ code: "ERR_STORE_UNAVAILABLE", cause: { code: "42P01" } });
    expect(await created()).toEqual({ schemas: 0, tables: [] });

    const migrated = await openStore(uri, key);
    await migrated.store.put(record("a@example.com"), { expectedVersion: 0 });
    await migrated.store.close();
    expect(await created()).toMatchObject({ schemas: 1, tables: expect.arrayContaining([table]) });

    const existing = await openStore(uri, key, { migrate: false });
    expect((await existing.store.get(record("a@example.com")))?.accessToken).toBe("at-a@example.com");
    await existing.store.close();
  });

  it("reloads a key-ring file on demand and when it changes, keeping the keys when the new file is bad", async () => {
    const dir = await tempDir();
    const ring = join(dir, "ring");
    const [k1, k2] = [generateKey(), generateKey()];
    await writeFile(ring, `# comment\n${keyToBase64(k1)}\n`, { mode: 0o600 });
    const uri = `file:${join(dir, "store")}`;
    const opened = await openStore(uri, { keyRingFile: ring });
    await opened.store.put(record("a@example.com"), { expectedVersion: 0 });
    const reloads: (KeyReload | Error)[] = [];
    const stop = opened.watchKeys((result) => reloads.push(result), 50);
    await writeFile(ring, `${keyToBase64(k2)}\n${keyToBase64(k1)}\n`, { mode: 0o600 });
    await expect.poll(() => reloads.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(reloads[0]).toMatchObject({ sealingKeyId: k2.id, keyCount: 2 });
    await opened.store.put(record("b@example.com"), { expectedVersion: 0 });
    const k2Only = await openStore(uri, { keys: [k2] });
    expect((await k2Only.store.get(record("b@example.com")))?.accessToken).toBe("at-b@example.com");
    await expect(k2Only.store.get(record("a@example.com"))).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
    await k2Only.store.close();
    stop();

    await writeFile(ring, "kms:\n", { mode: 0o600 });
    await expect(opened.reloadKeys()).rejects.toThrow(/line 1: kms: needs a key id/);
    await writeFile(ring, "secret-looking-garbage\n", { mode: 0o600 });
    const garbage = await opened.reloadKeys().catch((error: Error) => error);
    expect(garbage).toBeInstanceOf(StoreConfigError);
    expect((garbage as Error).message).not.toContain("secret-looking-garbage");
    await chmod(ring, 0o644);
    await expect(opened.reloadKeys()).rejects.toThrow(/chmod 600/);
    expect((await opened.store.get(record("a@example.com")))?.accessToken).toBe("at-a@example.com"); // kept
    await opened.store.close();
  });

  it("file: stores use their key generations; creates the first key only when asked", async () => {
    const dir = join(await tempDir(), "store");
    await expect(openStore(`file:${dir}`)).rejects.toMatchObject({ code: "ERR_INVALID_CONFIG" });
    const created = await openStore(`file:${dir}`, {}, { create: true });
    expect(created.warnings.join(" ")).toMatch(/Created a new store key .*credstack\.key; back it up/);
    await created.store.close();
    const again = await openStore(`file:${dir}`);
    expect(again.keySource).toMatch(/key files in .* \(1 generation/);
    await again.store.close();
    await expect(openStore("legacy:./x")).rejects.toThrow(/read-only/);
    const cipher = { cipher: aesGcmCipher({ keyRing: { active: generateKey() } }), source: "test" };
    const fixed = await openStore(`file:${dir}`, {}, { cipher });
    await expect(fixed.reloadKeys()).rejects.toThrow(/fixed cipher/);
    await fixed.store.close();
  });

  it("a missing adapter or KMS package is ERR_INVALID_CONFIG saying what to install", async () => {
    const missing = (specifier: string) =>
      Promise.reject(
        Object.assign(new Error(`Cannot find package '${specifier}'`), { code: "ERR_MODULE_NOT_FOUND" }),
      );
    const key = { keys: [generateKey()] };
    await expect(
      openStore("postgres://u:pw-secret@db/x", key, { importModule: missing }),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_CONFIG",
      source: "CREDSTACK_STORE",
      message: expect.stringContaining("npm install @credstack/storage-postgres pg"),
    });
    await expect(openStore("rediss://cache:6380", key, { importModule: missing })).rejects.toThrow(
      /@credstack\/storage-redis and ioredis/,
    );
    await expect(
      openStore(pgUri(), { kms: { keyId: "alias/x" } }, { importModule: missing }),
    ).rejects.toMatchObject({
      source: "CREDSTACK_KMS_KEY_ID",
      message: expect.stringContaining("@aws-sdk/client-kms"),
    });
    const broken = () => Promise.reject(new Error("syntax error in module"));
    await expect(openStore(pgUri(), key, { importModule: broken })).rejects.toThrow("syntax error in module");
  });
});

describe("sealFormat", () => {
  it("CREDSTACK_SEAL_FORMAT=1 writes records older versions open (format 1); both formats open", async () => {
    const { recordSealFormatOf } = await import("@credstack/storage");
    const { sealFormatFromEnv } = await import("../src/index.js");
    expect(sealFormatFromEnv({})).toBe(2);
    expect(() => sealFormatFromEnv({ CREDSTACK_SEAL_FORMAT: "3" })).toThrow(/must be 1 or 2/);
    const dir = await tempDir();
    const key = generateKey();
    const seen: (1 | 2 | undefined)[] = [];
    const observe = (inner: import("@credstack/storage").Cipher) => ({
      ...inner,
      id: inner.id,
      async decrypt(sealed: Uint8Array, aad: Uint8Array) {
        const opened = await inner.decrypt(sealed, aad);
        seen.push(recordSealFormatOf(opened));
        return opened;
      },
    });
    const old = await openStore(
      `file:${dir}`,
      { keys: [key] },
      { sealFormat: sealFormatFromEnv({ CREDSTACK_SEAL_FORMAT: "1" }) },
    );
    await old.store.put(record("a@example.com"), { expectedVersion: 0 });
    await old.store.close();
    const current = await openStore(`file:${dir}`, { keys: [key] }, { wrapCipher: observe });
    expect((await current.store.get(record("a@example.com")))?.accessToken).toBe("at-a@example.com");
    expect(seen).toEqual([1]);
    await current.store.close();
  });
});
