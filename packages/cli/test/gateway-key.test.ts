import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credstack, tempDir } from "./cli-env.js";

const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

describe("credstack gateway-key", () => {
  it("creates keys (printed once, only hashes stored, 0600), lists them without secrets, revokes them", async () => {
    const cwd = await tempDir();
    const created = await credstack(
      [
        "gateway-key",
        "create",
        "mcp",
        "--mode",
        "service",
        "--account",
        "@example.com",
        "--provider",
        "google",
      ],
      { cwd },
    );
    expect(created.status, created.stderr).toBe(0);
    // Default: beside the default file: store, where the gateway's embedded default reads its keys.
    const defaults = JSON.parse(await readFile(join(cwd, ".credstack", "gateway-api-keys.json"), "utf8"));
    expect(defaults.apiKeys.map((entry: { id: string }) => entry.id)).toEqual(["mcp"]);
    const file = join(cwd, "keys.json");
    const service = await credstack(
      [
        "gateway-key",
        "create",
        "mcp",
        "--file",
        file,
        "--mode",
        "service",
        "--account",
        "@example.com",
        "--provider",
        "google",
      ],
      { cwd },
    );
    expect(service.status, service.stderr).toBe(0);
    const key = /X-API-Key: (csk_[A-Za-z0-9_-]{43})/.exec(service.stdout)?.[1] as string;
    expect(key).toBeDefined();
    const json = await credstack(
      ["gateway-key", "create", "me", "--file", file, "--mode", "delegated", "--json"],
      { cwd },
    );
    const delegated = JSON.parse(json.stdout) as { key: string; mode: string; id: string };
    expect(delegated).toMatchObject({ id: "me", mode: "delegated" });

    const text = await readFile(file, "utf8");
    expect(text).not.toContain(key);
    expect(text).not.toContain(delegated.key);
    const stored = JSON.parse(text).apiKeys as {
      id: string;
      hash: string;
      mode: string;
      accounts?: string[];
    }[];
    expect(stored.map((entry) => [entry.id, entry.hash, entry.mode])).toEqual([
      ["mcp", sha256(key), "service"],
      ["me", sha256(delegated.key), "delegated"],
    ]);
    expect(stored[0]?.accounts).toEqual(["@example.com"]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const list = await credstack(["gateway-key", "list", "--file", file, "--json"], { cwd });
    expect(list.status).toBe(0);
    expect(list.stdout).not.toContain("sha256:");
    expect(
      list.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).id),
    ).toEqual(["mcp", "me"]);

    expect((await credstack(["gateway-key", "create", "x", "--file", file], { cwd })).status).toBe(2); // no --mode
    expect(
      (await credstack(["gateway-key", "create", "x", "--file", file, "--mode", "service"], { cwd })).status,
    ).toBe(2);
    expect(
      (await credstack(["gateway-key", "create", "me", "--file", file, "--mode", "delegated"], { cwd }))
        .status,
    ).toBe(2);

    const revoked = await credstack(["gateway-key", "revoke", "mcp", "--file", file], { cwd });
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(JSON.parse(await readFile(file, "utf8")).apiKeys.map((entry: { id: string }) => entry.id)).toEqual(
      ["me"],
    );
    expect((await credstack(["gateway-key", "revoke", "mcp", "--file", file], { cwd })).status).toBe(5);
  });
});
