import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { aesGcmCipher, formatOneCipher, loadOrCreateKeyFile } from "@credstack/storage";
import { postgresStore } from "@credstack/storage-postgres";
import { describe, expect, it } from "vitest";
import { parseStoreUri } from "../src/lib/store-uri.js";
import {
  createKmsKey,
  credstack,
  expectNoSecrets,
  finished,
  kmsEndpoint,
  openFileStore,
  pgStore,
  seed,
  seededRecord,
  tempDir,
} from "./cli-env.js";

const inspectJson = async (cwd: string, args: string[]) => {
  const result = await credstack(["inspect", ...args, "--json"], { cwd });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    keyId: string;
    cipher: string;
    sealedUnderActiveKey: boolean;
    version: number;
  };
};

describe("credstack rotate-key / reencrypt", () => {
  it("rotate-key adds a key generation beside the old one and re-seals every record under it", async () => {
    const cwd = await tempDir();
    const store = await openFileStore(join(cwd, ".credstack"));
    await seed(store, 20);
    const oldKey = await readFile(join(cwd, ".credstack", "credstack.key"), "utf8");
    const before = await inspectJson(cwd, ["google", "user1@example.com"]);

    const result = await credstack(["rotate-key"], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /created key file .*credstack\.2\.key \(key id k-[0-9a-f]{16}\); older key files are kept/,
    );
    expect(result.stdout).toMatch(/re-sealed\s+20/);
    expect(result.stdout).toMatch(/still under another key\s+0/);
    expectNoSecrets(result.stdout + result.stderr, [oldKey.trim()]);
    // The old key file is untouched; the new one is 0600.
    expect(await readFile(join(cwd, ".credstack", "credstack.key"), "utf8")).toBe(oldKey);
    const after = await inspectJson(cwd, ["google", "user1@example.com"]);
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.sealedUnderActiveKey).toBe(true);
    expect(after.version).toBe(before.version + 1);

    const second = await credstack(["rotate-key", "--json"], { cwd });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain("credstack.3.key");
    expect(JSON.parse(second.stdout)).toMatchObject({ resealed: 20, failed: 0, underOtherKeys: 0 });
    expect((await credstack(["doctor"], { cwd })).status).toBe(0);
    await store.close();
  });

  it("rotate-key with --key-file needs --new-key-file and never overwrites an existing key file", async () => {
    const cwd = await tempDir();
    const store = await openFileStore(join(cwd, "s"));
    await seed(store, 5);
    const current = join(cwd, "s", "credstack.key");
    const missing = await credstack(["rotate-key", "--store", "file:./s", "--key-file", current], { cwd });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("needs --new-key-file");
    const next = join(cwd, "next.key");
    const { key: prepared } = await loadOrCreateKeyFile(next); // distributed before the rotation
    const bytes = await readFile(next, "utf8");
    const result = await credstack(
      ["rotate-key", "--store", "file:./s", "--key-file", current, "--new-key-file", next],
      { cwd },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("using existing key file");
    expect(await readFile(next, "utf8")).toBe(bytes);
    const view = await credstack(
      ["inspect", "google", "user1@example.com", "--store", "file:./s", "--key-file", next, "--json"],
      { cwd },
    );
    expect(JSON.parse(view.stdout)).toMatchObject({ keyId: prepared.id, sealedUnderActiveKey: true });
    await store.close();
  });

  it("reencrypt never loses a concurrent refresh (a second process doing CAS writes on postgres) and upgrades previous-format records", async () => {
    const cwd = await tempDir();
    const oldKeyFile = join(cwd, "old.key");
    const newKeyFile = join(cwd, "new.key");
    const { key: oldKey } = await loadOrCreateKeyFile(oldKeyFile);
    const { key: newKey } = await loadOrCreateKeyFile(newKeyFile);
    const uri = pgStore("reseal");
    const parsed = parseStoreUri(uri) as { connectionString: string; schema: string };
    // Seeded in the previous seal format (1), as a version before whole-record authentication wrote them.
    const seedStore = postgresStore({
      ...parsed,
      cipher: formatOneCipher(aesGcmCipher({ keyRing: { active: oldKey } })),
    });
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        seedStore.put(
          i < 8 ? seededRecord(i, { provider: "google", account: `hot${i}@example.com` }) : seededRecord(i),
          { expectedVersion: 0 },
        ),
      ),
    );
    await seedStore.close();

    // The writer already has the new key first (the deploy step), the old one to read.
    const writer = spawn(
      process.execPath,
      [
        fileURLToPath(new URL("./fixtures/cas-writer.mjs", import.meta.url)),
        parsed.connectionString,
        parsed.schema,
        "2500",
        "8",
        newKeyFile,
        oldKeyFile,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const writerDone = finished(writer);
    await new Promise<void>((resolve) => writer.stdout?.once("data", () => resolve()));
    const [reencrypt, written] = await Promise.all([
      credstack(["reencrypt", "--store", uri, "--key-file", oldKeyFile, "--to-key", newKeyFile, "--json"], {
        cwd,
      }),
      writerDone,
    ]);
    expect(written.status, written.stderr).toBe(0);
    expect(reencrypt.status, reencrypt.stderr).toBe(0);
    const report = JSON.parse(reencrypt.stdout) as {
      resealed: number;
      skipped: number;
      failed: number;
      underOtherKeys: number;
      previousFormat: number;
    };
    expect(report.resealed + report.skipped).toBe(300);
    expect(report).toMatchObject({ failed: 0, underOtherKeys: 0, previousFormat: 0 });
    const counts = JSON.parse(written.stdout.trim().split("\n").at(-1) as string) as Record<string, number>;

    // Every refresh survived: counter and version match the writer's successful writes.
    const check = postgresStore({ ...parsed, cipher: aesGcmCipher({ keyRing: { active: newKey } }) }); // new key only
    for (let i = 0; i < 8; i++) {
      const record = await check.get({ provider: "google", account: `hot${i}@example.com` });
      const writes = counts[`hot${i}@example.com`] ?? 0;
      expect(writes).toBeGreaterThan(0);
      expect(record?.metadata).toEqual({ counter: writes });
      expect(record?.accessToken).toBe(`refreshed-${writes}`);
    }
    await check.close();
    // Nothing needs the old key any more.
    const doctor = await credstack(["doctor", uri, "--key-file", newKeyFile], { cwd });
    expect(doctor.status, doctor.stdout).toBe(0);
  });

  it("reencrypt --to-kms-key-id moves a file store from AES to KMS", async () => {
    const cwd = await tempDir();
    const store = await openFileStore(join(cwd, ".credstack"));
    await seed(store, 6);
    const keyId = await createKmsKey();
    const kms = ["--kms-endpoint", kmsEndpoint(), "--kms-region", "us-east-1"];
    const result = await credstack(["reencrypt", "--to-kms-key-id", keyId, ...kms], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/re-sealed\s+6/);
    const view = await credstack(
      ["inspect", "google", "user1@example.com", "--kms-key-id", keyId, ...kms, "--json"],
      { cwd },
    );
    expect(view.status, view.stderr).toBe(0);
    expect(JSON.parse(view.stdout)).toMatchObject({ cipher: "kms", keyId, sealedUnderActiveKey: true });
    const usage = await credstack(["reencrypt"], { cwd });
    expect(usage.status).toBe(2);
    await store.close();
  });
});
