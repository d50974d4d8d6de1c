import { describe, expect, it } from "vitest";
import { main } from "../main.js";

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("credstack scopes resolve", () => {
  it("prints canonical scopes, one per line, and reports legacy names on stderr", async () => {
    const result = await run("scopes", "resolve", "drive_read", "gmail.send");
    expect(result.code).toBe(0);
    expect(result.out.split("\n")).toEqual([
      "https://www.googleapis.com/auth/drive.readonly",
      "https://www.googleapis.com/auth/gmail.send",
    ]);
    expect(result.err).toContain("deprecated legacy name: drive_read -> drive.readonly");
  });

  it("prints JSON with --json", async () => {
    const result = await run("scopes", "resolve", "--json", "oauth_comprehensive");
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.out) as { provider: string; scopes: string[] };
    expect(parsed.provider).toBe("google");
    expect(parsed.scopes).toHaveLength(18);
  });

  it("exits 3 with the error and suggestions for an unknown name", async () => {
    const result = await run("scopes", "resolve", "calendar_ful");
    expect(result.code).toBe(3);
    expect(result.out).toBe("");
    expect(result.err).toContain("ERR_UNKNOWN_SCOPE");
    expect(result.err).toContain("calendar_full");
  });

  it("exits 2 on usage errors", async () => {
    expect((await run("scopes", "resolve")).code).toBe(2);
    expect((await run("scopes", "resolve", "--bogus", "x")).code).toBe(2);
    expect((await run("scopes", "frobnicate")).code).toBe(2);
    expect((await run("scopes", "list", "--provider", "nope")).code).toBe(2);
    expect((await run("nope")).code).toBe(2);
  });
});

describe("credstack scopes explain", () => {
  it("shows where a name comes from", async () => {
    const result = await run("scopes", "explain", "calendar_full");
    expect(result.code).toBe(0);
    expect(result.out).toContain("group -> base.userinfo_email, base.openid, calendar.full");
    expect(result.out).toContain("legacy -> calendar.full (shadowed");
    expect(result.out).toContain("https://www.googleapis.com/auth/calendar");
  });
});

describe("credstack scopes list", () => {
  it("filters by service", async () => {
    const result = await run("scopes", "list", "--service", "drive", "--json");
    expect(result.code).toBe(0);
    const infos = JSON.parse(result.out) as Array<{ scope: string }>;
    expect(infos.map((info) => info.scope)).toContain("https://www.googleapis.com/auth/drive.readonly");
    expect(infos.every((info) => !info.scope.includes("gmail"))).toBe(true);
  });

  it("lists other providers", async () => {
    const result = await run("scopes", "list", "--provider", "github");
    expect(result.code).toBe(0);
    expect(result.out).toContain("repo");
    expect(result.err).toMatch(/\d+ GitHub scopes/);
  });
});
