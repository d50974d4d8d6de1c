import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, cp, readdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, formatOneCipher, loadOrCreateKeyFile } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { startRefreshLoop } from "@credstack/storage-test-suite";
import { describe, expect, it } from "vitest";
import { credstack, expectNoSecrets, openFileStore, seed, seededRecord, tempDir } from "./cli-env.js";

type Report = {
  healthy: boolean;
  findings: { severity: string; check: string; message: string; fix: string }[];
};
const doctorJson = async (cwd: string, args: string[] = []) => {
  const result = await credstack(["doctor", ...args, "--json"], { cwd });
  expectNoSecrets(result.stdout + result.stderr);
  return { status: result.status, report: JSON.parse(result.stdout) as Report };
};
const problems = (report: Report) =>
  report.findings.filter((f) => f.severity === "problem").map((f) => f.check);

describe("credstack doctor", () => {
  it("says healthy (exit 0) for a sound store", async () => {
    const cwd = await tempDir();
    const store = await openFileStore(join(cwd, ".credstack"));
    await seed(store, 5);
    const result = await credstack(["doctor"], { cwd });
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/\[note\] records: 5 record\(s\) read; active key k-/);
    expect(result.stdout.trim().split("\n").at(-1)).toBe("healthy");
    await store.close();
  });

  it("finds loose permissions and prints the chmod that fixes them", async () => {
    const cwd = await tempDir();
    const dir = join(cwd, ".credstack");
    const store = await openFileStore(dir);
    await seed(store, 2);
    await chmod(dir, 0o755);
    await chmod(join(dir, "credstack.key"), 0o644);
    const result = await credstack(["doctor", "file:./.credstack"], { cwd });
    expect(result.status).toBe(4);
    expect(result.stdout).toContain(`[problem] permissions: Directory ${dir} has mode 755; it must be 0700.`);
    expect(result.stdout).toContain(`fix: chmod 700 ${dir}`);
    expect(result.stdout).toContain(`fix: chmod 600 ${join(dir, "credstack.key")}`);
    await chmod(dir, 0o700);
    await chmod(join(dir, "credstack.key"), 0o600);
    expect((await credstack(["doctor"], { cwd })).status).toBe(0);
    await store.close();
  });

  it("finds records under a rotated-out key, expired credentials without refresh tokens and plaintext leftovers", async () => {
    const cwd = await tempDir();
    const dir = join(cwd, ".credstack");
    const store = await openFileStore(dir);
    await seed(store, 9);
    await store.put(
      {
        provider: "google",
        account: "gone@example.com",
        accessToken: "seeded-access-gone",
        expiresAt: Date.now() - 60_000,
      },
      { expectedVersion: 0 },
    );
    // Re-seal only github's records: google's stay under the first key.
    expect((await credstack(["rotate-key", "--provider", "github"], { cwd })).status).toBe(0);
    await cp(
      new URL("../../../examples/legacy-credentials/alice_at_example_com_credentials.json", import.meta.url),
      join(dir, "alice_at_example_com_credentials.json"),
    );
    await chmod(join(dir, "alice_at_example_com_credentials.json"), 0o600);
    const { status, report } = await doctorJson(cwd);
    expect(status).toBe(4);
    expect(problems(report).sort()).toEqual(["expired-without-refresh", "plaintext", "rotated-out-key"]);
    const rotated = report.findings.find((f) => f.check === "rotated-out-key");
    expect(rotated?.message).toMatch(
      /^7 record\(s\) are still sealed under key k-\w+, not the active key k-\w+\.$/,
    );
    expect(rotated?.fix).toContain("credstack rotate-key");
    expect(report.findings.find((f) => f.check === "expired-without-refresh")?.message).toContain(
      "google / gone@example.com",
    );
    expect(report.findings.find((f) => f.check === "plaintext")?.fix).toContain("credstack import-legacy");
    await store.close();
  });

  it("finds a weak key, a missing key and an unreachable backend", async () => {
    const cwd = await tempDir();
    const weak = join(cwd, "weak.key");
    await writeFile(weak, `${Buffer.alloc(32, 1).toString("base64")}\n`, { mode: 0o600 });
    const store = await openFileStore(join(cwd, "s"));
    await seed(store, 1);
    const weakReport = await doctorJson(cwd, ["file:./s", "--key-file", weak]);
    expect(weakReport.status).toBe(4);
    expect(problems(weakReport.report)).toContain("key-strength");
    // Records sealed under the store's real key cannot be opened with the weak one.
    expect(problems(weakReport.report)).toContain("unreadable");

    const { rm } = await import("node:fs/promises");
    await rm(join(cwd, "s", "credstack.key"));
    const missing = await doctorJson(cwd, ["file:./s"]);
    expect(missing.status).toBe(4);
    expect(missing.report.findings.find((f) => f.check === "key")?.message).toMatch(
      /No key file in .*s \(credstack\.key\)/,
    );

    const down = await doctorJson(cwd, ["postgres://credstack:pw@127.0.0.1:1/db", "--key-file", weak]);
    expect(down.status).toBe(4);
    const connectivity = down.report.findings.find((f) => f.check === "connectivity");
    expect(connectivity?.message).toContain("ERR_STORE_UNAVAILABLE");
    expect(connectivity?.message).not.toContain(":pw@");

    const absent = await doctorJson(cwd, ["file:./nowhere"]);
    expect(absent.status).toBe(4);
    expect(problems(absent.report)).toEqual(["store-missing"]);
    await store.close();
  });

  it("reports records sealed in the previous format; reencrypt --current-key upgrades them while a writer updates one", async () => {
    const cwd = await tempDir();
    const dir = join(cwd, ".credstack");
    await (await openFileStore(dir)).close();
    const { key } = await loadOrCreateKeyFile(join(dir, "credstack.key"));
    const cipher = aesGcmCipher({ keyRing: { active: key } });
    const old = fileStore({ dir, cipher: formatOneCipher(cipher), fsync: false });
    for (let i = 1; i <= 6; i++) await old.put(seededRecord(i), { expectedVersion: 0 });
    await old.close();

    const before = await doctorJson(cwd);
    expect(before.status).toBe(4);
    expect(problems(before.report)).toEqual(["previous-seal-format"]);
    const finding = before.report.findings.find((f) => f.check === "previous-seal-format");
    expect(finding?.message).toMatch(/^6 record\(s\) are sealed in the previous format/);
    expect(finding?.fix).toContain("credstack reencrypt --current-key");

    // A refresh loop in this process while the CLI re-seals in another.
    const store = fileStore({ dir, cipher, fsync: false });
    const hot = { provider: "google", account: "user1@example.com" };
    const loop = startRefreshLoop(store, hot);
    const result = await credstack(["reencrypt", "--current-key", "--json"], { cwd });
    const writes = await loop.stop();
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { resealed: number; skipped: number };
    expect(report.resealed + report.skipped).toBe(6);
    expect(report).toMatchObject({ failed: 0, underOtherKeys: 0, previousFormat: 0 });
    expect((await store.get(hot))?.accessToken).toBe(`w${writes}`);
    await store.close();
    const after = await doctorJson(cwd);
    expect(after.status, JSON.stringify(after.report)).toBe(0);
  });

  it("--fix removes temporary files of writers that are gone, never a live writer's", async () => {
    const cwd = await tempDir();
    const dir = join(cwd, ".credstack");
    const store = await openFileStore(dir);
    await seed(store, 2);
    await store.close();
    const host = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
    const gone = spawnSync(process.execPath, ["-e", ""]).pid as number;
    const dead = `.tmp-c-abc.${host}.${gone}.0.0123456789ab`;
    const live = `.tmp-c-abd.${host}.${process.pid}.0.0123456789ac`;
    for (const name of [dead, live]) await writeFile(join(dir, name), "partial", { mode: 0o600 });

    const fixed = await doctorJson(cwd, ["--fix"]);
    expect(fixed.status).toBe(0);
    expect(fixed.report.findings.find((f) => f.check === "leftover-temp-files")?.message).toBe(
      "Removed 1 temporary file(s) left by writers that are gone.",
    );
    expect(fixed.report.findings.find((f) => f.check === "live-temp-files")?.message).toMatch(/^1 /);
    expect((await readdir(dir)).filter((name) => name.startsWith(".tmp-"))).toEqual([live]);
  });
});
