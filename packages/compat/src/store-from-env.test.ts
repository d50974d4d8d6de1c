import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey, keyToBase64 } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { storeFromEnv } from "./store-from-env.js";

const dir = () => join(mkdtempSync(join(tmpdir(), "credstack-env-")), "credentials");
const key = keyToBase64(generateKey());

describe("storeFromEnv", () => {
  it("maps every legacy mode, in any case", async () => {
    const cases = {
      file_encrypted: "file",
      File_Plaintext: "file-plaintext",
      memory_only: "memory",
      MEMORY_WITH_BACKUP: "memory-with-backup",
    } as const;
    for (const [mode, kind] of Object.entries(cases)) {
      const credentials = dir();
      const opened = await storeFromEnv({
        CREDENTIAL_STORAGE_MODE: mode,
        CREDENTIALS_DIR: credentials,
        CREDSTACK_KEY: key,
      });
      expect(opened.kind, mode).toBe(kind);
      expect(opened.legacyMode).toBe(mode.toUpperCase());
      expect(opened.legacyDir).toBe(credentials);
      const stored = await opened.store.put(
        { provider: "google", account: "a@x.com", accessToken: "t" },
        { expectedVersion: 0 },
      );
      expect(stored.version).toBe(1);
      await opened.store.close();
    }
    const plain = await storeFromEnv({ CREDENTIAL_STORAGE_MODE: "FILE_PLAINTEXT", CREDENTIALS_DIR: dir() });
    expect(plain.warnings.join(" ")).toMatch(/unencrypted/);
  });

  it("defaults to FILE_ENCRYPTED with a key file created in CREDENTIALS_DIR, and maps session timeouts", async () => {
    const opened = await storeFromEnv({
      CREDENTIALS_DIR: dir(),
      SESSION_TIMEOUT_MINUTES: "30",
      MAX_SESSION_LIFETIME_HOURS: "12",
    });
    expect(opened.kind).toBe("file");
    expect(opened.warnings.join(" ")).toMatch(/Created a new store key/);
    expect(opened.sessions).toEqual({ idleTimeoutMs: 1_800_000, maxLifetimeMs: 43_200_000 });
    const defaults = await storeFromEnv({ CREDENTIAL_STORAGE_MODE: "memory_only" });
    expect(defaults.sessions).toEqual({ idleTimeoutMs: 3_600_000, maxLifetimeMs: 86_400_000 });
  });

  it("rejects invalid values with ERR_INVALID_CONFIG naming the variable, never echoing the value", async () => {
    await expect(storeFromEnv({ CREDENTIAL_STORAGE_MODE: "FILE_ENCRYPTD" })).rejects.toMatchObject({
      code: "ERR_INVALID_CONFIG",
      variable: "CREDENTIAL_STORAGE_MODE",
    });
    await expect(
      storeFromEnv({ CREDENTIAL_STORAGE_MODE: "memory_only", SESSION_TIMEOUT_MINUTES: "-5" }),
    ).rejects.toMatchObject({
      variable: "SESSION_TIMEOUT_MINUTES",
    });
    const secretUrl = "ftp://user:hunter2-secret@db.example.com/x";
    const error = await storeFromEnv({ CREDSTACK_STORE: secretUrl, CREDSTACK_KEY: key }).catch(
      (e: Error) => e,
    );
    expect(error).toMatchObject({ code: "ERR_INVALID_CONFIG", variable: "CREDSTACK_STORE" });
    expect((error as Error).message).not.toContain("hunter2");
    await expect(
      storeFromEnv({
        CREDENTIAL_STORAGE_MODE: "memory_only",
        CREDSTACK_STORE: "file:./x",
        CREDSTACK_KEY: "nope",
      }),
    ).rejects.toMatchObject({ variable: "CREDSTACK_KEY" });
  });

  it("CREDSTACK_STORE wins; a missing optional adapter says what to install", async () => {
    const mem = await storeFromEnv({ CREDSTACK_STORE: "memory:", CREDENTIAL_STORAGE_MODE: "FILE_ENCRYPTED" });
    expect(mem.kind).toBe("memory");
    expect(mem.warnings.join(" ")).toMatch(/CREDENTIAL_STORAGE_MODE is ignored/);
    const file = await storeFromEnv({ CREDSTACK_STORE: `file:${dir()}`, CREDSTACK_KEY: key });
    expect(file.kind).toBe("file");
    await file.store.close();
    const missing = (specifier: string) => Promise.reject(new Error(`Cannot find module '${specifier}'`));
    const error = await storeFromEnv(
      { CREDSTACK_STORE: "postgres://u:pw-secret@localhost/db?table=t", CREDSTACK_KEY: key },
      { importModule: missing },
    ).catch((e: Error) => e);
    expect(error).toMatchObject({ code: "ERR_INVALID_CONFIG", variable: "CREDSTACK_STORE" });
    expect((error as Error).message).toContain("@credstack/storage-postgres");
    expect((error as Error).message).not.toContain("pw-secret");
    await expect(
      storeFromEnv({ CREDSTACK_STORE: "redis://localhost:1", CREDSTACK_KEY: key }, { importModule: missing }),
    ).rejects.toThrow(/ioredis/);
    await expect(storeFromEnv({ CREDSTACK_STORE: "postgres://localhost/db" })).rejects.toMatchObject({
      variable: "CREDSTACK_KEY",
    });
  });

  it("opens CREDSTACK_STORE with the gateway's and the CLI's key sources (open-store)", async () => {
    const { existsSync, writeFileSync } = await import("node:fs");
    const { keySourcesFromEnv, openStore } = await import("@credstack/open-store");
    const storeDir = dir();
    const plain = await storeFromEnv({ CREDSTACK_STORE: `file:${storeDir}` });
    expect(existsSync(join(storeDir, "credstack.key"))).toBe(true); // the key generations, as everywhere
    expect(plain.warnings.join(" ")).toMatch(/Created a new store key/);
    await plain.store.close();

    const [oldKey, newKey] = [generateKey(), generateKey()];
    const ring = join(mkdtempSync(join(tmpdir(), "credstack-ring-")), "ring");
    writeFileSync(ring, `${keyToBase64(newKey)}\n${keyToBase64(oldKey)}\n`, { mode: 0o600 });
    const uri = `file:${dir()}`;
    const before = await openStore(uri, { keys: [oldKey] }, { create: false });
    await before.store.put(
      { provider: "google", account: "a@x.com", accessToken: "t" },
      { expectedVersion: 0 },
    );
    await before.store.close();
    const env = { CREDSTACK_STORE: uri, CREDSTACK_KEY_RING_FILE: ring };
    const opened = await storeFromEnv(env);
    expect((await opened.store.get({ provider: "google", account: "a@x.com" }))?.accessToken).toBe("t");
    await opened.store.close();
    const asGateway = await openStore(uri, keySourcesFromEnv(env));
    expect(asGateway.sealingKeyId).toBe(newKey.id);
    await asGateway.store.close();
    await expect(storeFromEnv({ ...env, CREDSTACK_PREVIOUS_KEYS: "short" })).rejects.toMatchObject({
      code: "ERR_INVALID_CONFIG",
      variable: "CREDSTACK_PREVIOUS_KEYS[0]",
    });
  });
});
