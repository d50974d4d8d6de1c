import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credstack, tempDir } from "./cli-env.js";

describe("store URIs and cipher options (subprocess)", () => {
  it("rejects bad URIs and missing options with exit 2 and a clear message, never echoing passwords", async () => {
    const cwd = await tempDir();
    const cases: [string[], RegExp][] = [
      [["list", "--store", "ftp://x"], /Unknown store URI "ftp:\/\/x"; use file:, memory:, postgres:\/\//],
      [["list", "--store", "file:"], /needs a directory/],
      [["list", "--store", "postgres://u:s3cr3t@h/db?table=Bad-Name"], /table="Bad-Name" must match/],
      [["list", "--store", "redis://h:6379?prefix={x}"], /prefix= must be non-empty, without braces/],
      [["list", "--store", "redis://:s3cr3t@h:6379"], /A redis store needs a cipher/],
      [["list", "--store", "file:./nothing"], /No key file in .*nothing/],
      [["list", "--bogus"], /unknown option --bogus\nUsage: credstack list/],
      [["frobnicate"], /unknown command frobnicate\nUsage: credstack/],
    ];
    for (const [args, message] of cases) {
      const result = await credstack(args, { cwd });
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain("s3cr3t");
    }
  });

  it("fails with exit 1 and ERR_INVALID_CONFIG for an unusable key file or key variable", async () => {
    const cwd = await tempDir();
    const loose = join(cwd, "loose.key");
    await writeFile(loose, `${Buffer.alloc(32, 7).toString("base64")}\n`);
    await chmod(loose, 0o644);
    const result = await credstack(["list", "--store", "memory:", "--key-file", loose], { cwd });
    // memory: takes no cipher, so use a file store to exercise the key file.
    expect(result.status).toBe(0);
    const file = await credstack(["list", "--store", "file:./s", "--key-file", loose], { cwd });
    expect(file.status).toBe(1);
    expect(file.stderr).toMatch(
      /ERR_INVALID_CONFIG: Key file .*loose\.key is accessible to others \(mode 644\); run chmod 600/,
    );
    const env = await credstack(["list", "--store", "file:./s", "--key-env", "NO_SUCH_VAR"], { cwd });
    expect(env.status).toBe(1);
    expect(env.stderr).toContain("The environment variable NO_SUCH_VAR is not set");
  });

  it("prints usage for --help of every command", async () => {
    const cwd = await tempDir();
    for (const command of [
      "list",
      "inspect",
      "delete",
      "migrate",
      "import-legacy",
      "rotate-key",
      "reencrypt",
      "doctor",
    ]) {
      const result = await credstack([command, "--help"], { cwd });
      expect(result.status, command).toBe(0);
      expect(result.stdout).toContain(`credstack ${command}`);
    }
  });
});
