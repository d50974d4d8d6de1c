import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const credstack = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });

describe("the credstack binary", () => {
  it("resolves scopes as a subprocess", () => {
    const result = credstack("scopes", "resolve", "gmail_basic");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("https://www.googleapis.com/auth/gmail.modify\n");
  });

  it("exits non-zero with the error on stderr for unknown names", () => {
    const result = credstack("scopes", "resolve", "drive_reed");
    expect(result.status).toBe(3);
    expect(result.stderr).toContain("ERR_UNKNOWN_SCOPE");
    expect(result.stderr).toContain("drive_read");
  });

  it("prints usage and exits 2 without a command", () => {
    const result = credstack();
    expect(result.status).toBe(2);
    expect(result.stdout).toContain("Usage: credstack");
  });
});
