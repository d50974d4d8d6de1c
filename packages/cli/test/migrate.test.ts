import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { aesGcmCipher, type CredentialStore, loadOrCreateKeyFile } from "@credstack/storage";
import { postgresStore } from "@credstack/storage-postgres";
import { redisStore } from "@credstack/storage-redis";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { parseStoreUri } from "../src/lib/store-uri.js";
import {
  createKmsKey,
  credstack,
  expectNoSecrets,
  finished,
  keysOf,
  kmsEndpoint,
  openFileStore,
  pgStore,
  redisStoreUri,
  seed,
  start,
  tempDir,
} from "./cli-env.js";

/** Opens a postgres or redis store URI from the test process with the key in `keyFile`. */
async function openTarget(uri: string, keyFile: string): Promise<CredentialStore> {
  const { key } = await loadOrCreateKeyFile(keyFile);
  const cipher = aesGcmCipher({ keyRing: { active: key } });
  const parsed = parseStoreUri(uri);
  if (parsed.kind === "postgres") {
    return postgresStore({
      connectionString: parsed.connectionString,
      cipher,
      ...(parsed.schema ? { schema: parsed.schema } : {}),
    });
  }
  if (parsed.kind === "redis") {
    const client = new Redis(parsed.url, { maxRetriesPerRequest: 1 });
    return redisStore({
      client,
      cipher,
      closeClient: true,
      ...(parsed.prefix ? { prefix: parsed.prefix } : {}),
    });
  }
  throw new Error(`not a server store: ${uri}`);
}

describe("credstack migrate", () => {
  it("copies file -> postgres -> redis -> file with --verify, keeps versions, prints a summary", async () => {
    const cwd = await tempDir();
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 60);
    const key = join(cwd, "server.key");
    await loadOrCreateKeyFile(key);
    const pg = pgStore("chain");
    const redis = redisStoreUri("chain");

    const hop1 = await credstack(
      ["migrate", "--from", "file:./src", "--to", pg, "--to-key-file", key, "--verify"],
      { cwd },
    );
    expect(hop1.status, hop1.stderr).toBe(0);
    // stderr (not a terminal) carries progress events as JSON lines and nothing else: no warning, no error.
    const events = hop1.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.filter((event) => event.event !== "progress")).toEqual([]);
    expect(events.filter((event) => event.operation === "migrate").at(-1)).toMatchObject({
      done: 60,
      total: 60,
      copied: 60,
      failed: 0,
    });
    expect(hop1.stdout).toMatch(/copied\s+60/);
    expect(hop1.stdout).toMatch(/verified\s+60/);
    expect(hop1.stdout).toMatch(/mismatched\s+0/);
    expect(hop1.stdout).toMatch(/records\/s/);
    const hop2 = await credstack(
      ["migrate", "--from", pg, "--to", redis, "--key-file", key, "--verify", "--json"],
      { cwd },
    );
    expect(hop2.status, hop2.stderr).toBe(0);
    const summary = JSON.parse(hop2.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ copied: 60, skipped: 0, failed: 0, verified: 60, mismatched: 0 });
    const hop3 = await credstack(
      ["migrate", "--from", redis, "--from-key-file", key, "--to", "file:./back", "--verify"],
      { cwd },
    );
    expect(hop3.status, hop3.stderr).toBe(0);
    for (const result of [hop1, hop2, hop3]) expectNoSecrets(result.stdout + result.stderr);
    // The password of a URI is never printed.
    expect(hop2.stdout + hop2.stderr).not.toMatch(/:[^:@/]+@127/);

    const back = await openFileStore(join(cwd, "back"));
    expect(await keysOf(back)).toEqual(await keysOf(source));
    for await (const k of source.list()) {
      const [a, b] = await Promise.all([source.get(k), back.get(k)]);
      expect({ ...b }).toEqual({ ...a }); // every field, secrets and versions included
    }
    // The file target's key was created on first use, mode 0600, in the new directory.
    expect((await stat(join(cwd, "back", "credstack.key"))).mode & 0o777).toBe(0o600);
    await Promise.all([source.close(), back.close()]);
  });

  it("is idempotent and never overwrites a newer target record; --dry-run writes nothing", async () => {
    const cwd = await tempDir();
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 10);
    const dry = await credstack(["migrate", "--from", "file:./src", "--to", "file:./dst", "--dry-run"], {
      cwd,
    });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run/);
    expect(dry.stdout).toMatch(/copied\s+10/);
    await expect(stat(join(cwd, "dst"))).rejects.toThrow(); // nothing created, not even the key

    expect((await credstack(["migrate", "--from", "file:./src", "--to", "file:./dst"], { cwd })).status).toBe(
      0,
    );
    const target = await openFileStore(join(cwd, "dst"));
    const one = (await target.get({ provider: "google", account: "user1@example.com" }))!;
    await target.put({ ...one, accessToken: "newer-in-target" }, { expectedVersion: one.version });

    const again = await credstack(
      ["migrate", "--from", "file:./src", "--to", "file:./dst", "--verify", "--json"],
      { cwd },
    );
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      copied: 0,
      skipped: 10,
      newerInTarget: 1,
      verified: 9,
      mismatched: 0,
    });
    expect((await target.get(one))?.accessToken).toBe("newer-in-target");
    await Promise.all([source.close(), target.close()]);
  });

  it("reports a mismatch with --verify (exit 4) when a copy differs, naming fields, never values", async () => {
    const cwd = await tempDir();
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 4);
    expect((await credstack(["migrate", "--from", "file:./src", "--to", "file:./dst"], { cwd })).status).toBe(
      0,
    );
    // Same version, different secret in the target: only verification can see it.
    const target = await openFileStore(join(cwd, "dst"));
    const record = (await target.get({ provider: "google", account: "user1@example.com" }))!;
    await target.delete(record);
    await target.put({ ...record, accessToken: "tampered-copy" }, { expectedVersion: 0, copy: true });
    const result = await credstack(["migrate", "--from", "file:./src", "--to", "file:./dst", "--verify"], {
      cwd,
    });
    expect(result.status).toBe(4);
    expect(result.stderr).toContain("mismatch: google / user1@example.com: differs in accessToken");
    expect(result.stdout).toMatch(/mismatched\s+1/);
    expectNoSecrets(result.stdout + result.stderr, ["tampered-copy"]);
    await Promise.all([source.close(), target.close()]);
  });

  it("resumes after kill -9 from its checkpoint: the target ends with exactly the source's records", async () => {
    const cwd = await tempDir();
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 1500);
    const key = join(cwd, "pg.key");
    await loadOrCreateKeyFile(key);
    const pg = pgStore("resume");
    const checkpoint = join(cwd, "migrate.checkpoint.json");
    const args = [
      "migrate",
      "--from",
      "file:./src",
      "--to",
      pg,
      "--to-key-file",
      key,
      "--batch",
      "25",
      "--concurrency",
      "2",
      "--checkpoint",
      checkpoint,
    ];

    const child = start(args, { cwd });
    const done = finished(child);
    // Kill it once a few batches are in (the checkpoint file exists and has moved).
    for (let i = 0; i < 600; i++) {
      const saved = await readFile(checkpoint, "utf8").catch(() => "");
      if (saved !== "" && (JSON.parse(saved) as { copied: number }).copied >= 200) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.signal).toBe("SIGKILL");
    const saved = JSON.parse(await readFile(checkpoint, "utf8")) as {
      after: { account: string };
      copied: number;
    };
    expect(saved.copied).toBeGreaterThanOrEqual(200);
    const target = await openTarget(pg, key);
    const partial = (await keysOf(target)).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(1500);

    const resumed = await credstack([...args, "--resume", "--verify", "--json"], { cwd });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("resuming after");
    const summary = JSON.parse(resumed.stdout) as {
      copied: number;
      skipped: number;
      verified: number;
      mismatched: number;
      resumed: boolean;
    };
    expect(summary.resumed).toBe(true);
    // It started after the checkpoint: fewer than all records handled, and none lost.
    expect(summary.copied + summary.skipped).toBeLessThan(1500);
    expect(summary.copied + summary.skipped).toBeGreaterThanOrEqual(1500 - saved.copied - 25);
    expect(summary).toMatchObject({ verified: 1500, mismatched: 0 });
    expect(await keysOf(target)).toEqual(await keysOf(source));
    for await (const k of source.list())
      expect((await target.get(k))?.version).toBe((await source.get(k))?.version);
    await expect(stat(checkpoint)).rejects.toThrow(); // removed after a finished run
    await Promise.all([source.close(), target.close()]);
  });

  it("reports progress as JSON lines on a non-terminal stderr", async () => {
    const cwd = await tempDir();
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 30);
    const result = await credstack(
      ["migrate", "--from", "file:./src", "--to", "file:./dst", "--batch", "10"],
      { cwd },
    );
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({
      event: "progress",
      operation: "migrate",
      done: 30,
      total: 30,
      copied: 30,
    });
    await source.close();
  });

  it("seals the target with KMS (--to-kms-key-id) and reads it back", async () => {
    const cwd = await tempDir();
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 5);
    const keyId = await createKmsKey();
    const pg = pgStore("kms");
    const kms = ["--kms-endpoint", kmsEndpoint(), "--kms-region", "us-east-1"];
    const result = await credstack(
      ["migrate", "--from", "file:./src", "--to", pg, "--to-kms-key-id", keyId, ...kms, "--verify"],
      { cwd },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/verified\s+5/);
    const inspect = await credstack(
      ["inspect", "google", "user1@example.com", "--store", pg, "--kms-key-id", keyId, ...kms, "--json"],
      { cwd },
    );
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ cipher: "kms", keyId, sealedUnderActiveKey: true });
    await source.close();
  });

  it("refuses bad invocations with exit 2", async () => {
    const cwd = await tempDir();
    const cases: [string[], RegExp][] = [
      [["migrate", "--to", "file:./x"], /needs --from and --to/],
      [["migrate", "--from", "file:./a", "--to", "file:./a"], /same store/],
      [["migrate", "--from", "file:./a", "--to", "legacy:./b"], /read-only/],
      [["migrate", "--from", "memory:", "--to", "postgres://u:hunter2@127.0.0.1:1/db"], /needs a cipher/],
      [
        ["migrate", "--from", "memory:", "--to", "file:./b", "--batch", "0"],
        /--batch must be a positive integer/,
      ],
      [["migrate", "--from", "nope://x", "--to", "file:./b"], /Unknown store URI/],
    ];
    for (const [args, message] of cases) {
      const result = await credstack(args, { cwd });
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain("hunter2");
    }
  });
});
