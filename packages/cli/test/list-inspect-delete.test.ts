import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { loadOrCreateKeyFile } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { credstack, expectNoSecrets, openFileStore, pgStore, seed, tempDir } from "./cli-env.js";

describe("credstack list / inspect / delete", () => {
  it("lists credentials without secrets, as a table and as JSON lines", async () => {
    const cwd = await tempDir();
    const store = await openFileStore(join(cwd, ".credstack"));
    await seed(store, 6);
    await store.put(
      {
        provider: "google",
        account: "Old@Example.com",
        accessToken: "seeded-access-old",
        expiresAt: Date.now() - 1000,
      },
      { expectedVersion: 0 },
    );
    const table = await credstack(["list"], { cwd }); // default store: file:.credstack
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^PROVIDER\s+ACCOUNT\s+EXPIRES\s+REFRESH\s+SCOPES\s+VERSION$/,
    );
    expect(table.stdout).toMatch(/google\s+User1@Example.com\s+\S+\s+yes\s+2\s+1/);
    expect(table.stdout).toMatch(/google\s+Old@Example.com\s+\S+ \(expired\)\s+no/);
    expect(table.stderr).toContain("7 credential(s)");
    const json = await credstack(["list", "--json", "--provider", "github"], { cwd });
    const rows = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { provider: string; version: number });
    expect(rows.map((row) => row.provider)).toEqual(["github", "github"]);
    expect(rows.find((row) => row.version === 2)).toBeDefined(); // user0 was written twice
    const keys = await credstack(["list", "--keys-only", "--limit", "2"], { cwd });
    expect(keys.stdout.trim().split("\n")).toHaveLength(4); // header, rule, 2 keys
    const key = await readFile(join(cwd, ".credstack", "credstack.key"), "utf8");
    for (const result of [table, json, keys]) expectNoSecrets(result.stdout + result.stderr, [key.trim()]);
    await store.close();
  });

  it("inspects one credential: redacted secrets, expiry, scopes with groups, version, key id", async () => {
    const cwd = await tempDir();
    const store = await openFileStore(join(cwd, ".credstack"));
    await seed(store, 3);
    const result = await credstack(["inspect", "google", "USER1@example.com"], { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("google / User1@Example.com");
    expect(result.stdout).toMatch(/access token:\s+\[redacted\]/);
    expect(result.stdout).toMatch(/gmail\.modify\s+\[groups: .*gmail_basic/);
    expect(result.stdout).toMatch(/version:\s+1/);
    expect(result.stdout).toMatch(/sealed with:\s+aes-256-gcm key k-[0-9a-f]{16} \(active\)/);
    expect(result.stdout).toContain("metadata keys:  clientSecret (values sealed)");
    expectNoSecrets(result.stdout + result.stderr);
    const json = JSON.parse(
      (await credstack(["inspect", "github", "user0@example.com", "--json"], { cwd })).stdout,
    );
    expect(json).toMatchObject({
      provider: "github",
      version: 2,
      refreshToken: "[redacted]",
      cipher: "aes-256-gcm",
      sealedUnderActiveKey: true,
    });
    const missing = await credstack(["inspect", "google", "nobody@example.com"], { cwd });
    expect(missing.status).toBe(5);
    expect(missing.stderr).toContain("no credential for google / nobody@example.com");
    const usage = await credstack(["inspect", "google"], { cwd });
    expect(usage.status).toBe(2);
    await store.close();
  });

  it("deletes one credential, with an optional expected version", async () => {
    const cwd = await tempDir();
    const store = await openFileStore(join(cwd, "s"));
    await seed(store, 3);
    const conflict = await credstack(
      ["delete", "github", "user0@example.com", "--store", "file:./s", "--expected-version", "1"],
      { cwd },
    );
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toContain("ERR_VERSION_CONFLICT");
    const deleted = await credstack(
      ["delete", "github", "user0@example.com", "--store", "file:./s", "--expected-version", "2"],
      { cwd },
    );
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain("deleted github / user0@example.com");
    expect(await store.get({ provider: "github", account: "user0@example.com" })).toBeUndefined();
    const again = await credstack(["delete", "github", "user0@example.com", "--store", "file:./s"], { cwd });
    expect(again.status).toBe(5);
    const json = await credstack(["delete", "google", "user1@example.com", "--store", "file:./s", "--json"], {
      cwd,
    });
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ deleted: true, provider: "google" });
    const missing = await credstack(
      ["delete", "google", "user1@example.com", "--store", "file:./s", "--json"],
      { cwd },
    );
    expect(missing.status).toBe(5);
    expect(JSON.parse(missing.stdout)).toMatchObject({ deleted: false, provider: "google" });
    await store.close();
  });

  it("works on postgres with --key-file and on $CREDSTACK_STORE", async () => {
    const cwd = await tempDir();
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 4);
    const key = join(cwd, "k.key");
    await loadOrCreateKeyFile(key);
    const pg = pgStore("list");
    expect(
      (await credstack(["migrate", "--from", "file:./src", "--to", pg, "--to-key-file", key], { cwd }))
        .status,
    ).toBe(0);
    const env = { ...process.env, CREDSTACK_STORE: pg, AWS_REGION: "us-east-1" };
    const listed = await credstack(["list", "--key-file", key], { cwd, env });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stderr).toContain("4 credential(s)");
    const noKey = await credstack(["list"], { cwd, env });
    expect(noKey.status).toBe(2);
    expect(noKey.stderr).toContain("needs a cipher: pass --key-file");
    const wrongKey = join(cwd, "other.key");
    await loadOrCreateKeyFile(wrongKey);
    const wrong = await credstack(["inspect", "google", "user1@example.com", "--key-file", wrongKey], {
      cwd,
      env,
    });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("ERR_INTEGRITY");
    await source.close();
  });
});
