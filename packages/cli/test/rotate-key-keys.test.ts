import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { keySourcesFromEnv, openStore } from "@credstack/open-store";
import { generateKey, keyToBase64 } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { baseEnv, credstack, expectNoSecrets, pgStore, seededRecord, tempDir } from "./cli-env.js";

/** Opens a store as the gateway does, with the keys `env` names. */
const openWithEnv = (uri: string, env: NodeJS.ProcessEnv, cwd: string) =>
  openStore(uri, keySourcesFromEnv(env, cwd), { cwd, create: true });

/** Seeds `count` records sealed with the keys `env` names. */
async function seedWith(uri: string, env: NodeJS.ProcessEnv, cwd: string, count: number): Promise<void> {
  const opened = await openWithEnv(uri, env, cwd);
  for (let index = 0; index < count; index++)
    await opened.store.put(seededRecord(index), { expectedVersion: 0 });
  await opened.store.close();
}

/** Reads every seeded record with only the keys `env` names (throws if one does not open). */
async function readAllWith(uri: string, env: NodeJS.ProcessEnv, cwd: string, count: number) {
  const opened = await openWithEnv(uri, env, cwd);
  try {
    const records = [];
    for (let index = 0; index < count; index++) {
      const { provider, account } = seededRecord(index);
      records.push(await opened.store.get({ provider, account }));
    }
    return records;
  } finally {
    await opened.store.close();
  }
}

const rotateJson = (stdout: string) =>
  JSON.parse(stdout) as { resealed: number; failed: number; underOtherKeys: number; activeKeyId: string };

describe("credstack rotate-key reads the current keys as every other command does", () => {
  it("CREDSTACK_KEY (+ CREDSTACK_PREVIOUS_KEYS) on postgres: re-seals under --to-key-file; the new key alone opens every record", async () => {
    const cwd = await tempDir();
    const store = pgStore("rotateenv");
    const older = generateKey();
    const old = generateKey();
    const env = {
      ...baseEnv(),
      CREDSTACK_STORE: store,
      CREDSTACK_KEY: keyToBase64(old),
      CREDSTACK_PREVIOUS_KEYS: keyToBase64(older),
    };
    // Sealed under the key that is now only in CREDSTACK_PREVIOUS_KEYS: it must still open.
    await seedWith(store, { CREDSTACK_KEY: keyToBase64(older) }, cwd, 3);
    const rotated = await credstack(["rotate-key", "--to-key-file", "new.key", "--json"], { cwd, env });
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stderr).toMatch(/created key file new\.key \(key id k-[0-9a-f]{16}\)/);
    const report = rotateJson(rotated.stdout);
    expect(report).toMatchObject({ resealed: 3, failed: 0, underOtherKeys: 0 });
    expectNoSecrets(rotated.stdout + rotated.stderr, [keyToBase64(old), keyToBase64(older)]);
    const records = await readAllWith(store, { CREDSTACK_KEY_FILE: "new.key" }, cwd, 3);
    expect(records.map((record) => record?.version)).toEqual([2, 2, 2]);

    // Without --to-key-file: a usage error naming the option, nothing written.
    const missing = await credstack(["rotate-key"], { cwd, env });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("needs --to-key-file");
  });

  it("CREDSTACK_KEY_RING_FILE on a file: store: the ring's keys are the current ones, no key generation is added to the directory", async () => {
    const cwd = await tempDir();
    const old = generateKey();
    const ring = join(cwd, "ring");
    await writeFile(ring, `# current\n${keyToBase64(old)}\n`, { mode: 0o600 });
    const env = { ...baseEnv(), CREDSTACK_STORE: "file:./s", CREDSTACK_KEY_RING_FILE: ring };
    await seedWith("file:./s", env, cwd, 4);
    const rotated = await credstack(["rotate-key", "--to-key-file", "next.key", "--json"], { cwd, env });
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotateJson(rotated.stdout)).toMatchObject({ resealed: 4, failed: 0, underOtherKeys: 0 });
    expect((await readdir(join(cwd, "s"))).filter((name) => name.endsWith(".key"))).toEqual([]);
    const records = await readAllWith("file:./s", { CREDSTACK_KEY_FILE: "next.key" }, cwd, 4);
    expect(records.every((record) => record?.version === 2)).toBe(true);

    // The directory-generation form does not apply while keys come from the environment.
    const directory = await credstack(["rotate-key"], { cwd, env });
    expect(directory.status).toBe(2);
    expect(directory.stderr).toContain("needs --to-key-file");
    expect((await readdir(join(cwd, "s"))).filter((name) => name.endsWith(".key"))).toEqual([]);
  });

  it("the options path: --key-env VAR and --key-file on postgres, the same as other commands", async () => {
    const cwd = await tempDir();
    const store = pgStore("rotateopt");
    const old = generateKey();
    await seedWith(store, { CREDSTACK_KEY: keyToBase64(old) }, cwd, 2);
    const env = { ...baseEnv(), OLD_KEY: keyToBase64(old) };
    const first = await credstack(
      ["rotate-key", "--store", store, "--key-env", "OLD_KEY", "--to-key-file", "k2.key", "--json"],
      { cwd, env },
    );
    expect(first.status, first.stderr).toBe(0);
    expect(rotateJson(first.stdout)).toMatchObject({ resealed: 2, underOtherKeys: 0 });
    const second = await credstack(
      ["rotate-key", "--store", store, "--key-file", "k2.key", "--to-key-file", "k3.key", "--json"],
      { cwd, env },
    );
    expect(second.status, second.stderr).toBe(0);
    expect(rotateJson(second.stdout)).toMatchObject({ resealed: 2, underOtherKeys: 0 });
    const records = await readAllWith(store, { CREDSTACK_KEY_FILE: "k3.key" }, cwd, 2);
    expect(records.map((record) => record?.version)).toEqual([3, 3]);
    expectNoSecrets(first.stdout + first.stderr + second.stdout + second.stderr, [keyToBase64(old)]);
  });

  it("bad key input fails with a stable code and never echoes key material", async () => {
    const cwd = await tempDir();
    const store = pgStore("rotatebad");
    const garbage = "definitely-not-a-base64-aes-key";
    const malformed = await credstack(["rotate-key", "--to-key-file", "n.key"], {
      cwd,
      env: { ...baseEnv(), CREDSTACK_STORE: store, CREDSTACK_KEY: garbage },
    });
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain("ERR_INVALID_CONFIG");
    expect(malformed.stderr).toContain("CREDSTACK_KEY");
    expect(malformed.stderr).not.toContain(garbage);
    const none = await credstack(["rotate-key", "--to-key-file", "n.key"], {
      cwd,
      env: { ...baseEnv(), CREDSTACK_STORE: store },
    });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("CREDSTACK_KEY_RING_FILE");
    const kms = await credstack(["rotate-key", "--to-key-file", "n.key"], {
      cwd,
      env: { ...baseEnv(), CREDSTACK_STORE: store, CREDSTACK_KMS_KEY_ID: "alias/credstack" },
    });
    expect(kms.status).toBe(2);
    expect(kms.stderr).toContain("reencrypt --to-kms-key-id");
    expect(await readdir(cwd)).toEqual([]);
  });
});
