import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function emptyDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "credstack-gateway-bin-"));
  dirs.push(dir);
  return dir;
}

/** Runs `credstack-gateway …` in `cwd`; a run that would start the server is stopped by the timeout. */
function gateway(args: readonly string[], cwd: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CREDSTACK_GATEWAY_LOG: "off",
    CREDSTACK_GATEWAY_PORT: "0",
  };
  for (const name of ["CREDSTACK_STORE", "CREDSTACK_GATEWAY_CONFIG", "CREDSTACK_KEY"]) delete env[name];
  return spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: "utf8", timeout: 20_000 });
}

describe("the credstack-gateway binary behaves (subprocess)", () => {
  it("--help and -h print the usage and start nothing: no key file, no API key", async () => {
    for (const flag of ["--help", "-h"]) {
      const cwd = await emptyDir();
      const result = gateway([flag], cwd);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain("Usage: credstack-gateway [--config FILE]");
      expect(result.stdout + result.stderr).not.toContain("X-API-Key");
      expect(await readdir(cwd)).toEqual([]);
    }
  });

  it("--version prints the package version and starts nothing", async () => {
    const cwd = await emptyDir();
    const result = gateway(["--version"], cwd);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${manifest.version}\n`);
    expect(await readdir(cwd)).toEqual([]);
  });

  it("answers unknown options and arguments with a suggestion and the usage line (exit 2)", async () => {
    const cwd = await emptyDir();
    const typo = gateway(["--verison"], cwd);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain(
      "credstack-gateway: unknown option --verison (did you mean --version?)\nUsage: credstack-gateway",
    );
    expect(typo.stderr).not.toContain("To specify a positional argument");
    const extra = gateway(["start"], cwd);
    expect(extra.status).toBe(2);
    expect(extra.stderr).toContain('unexpected argument "start"');
    expect(await readdir(cwd)).toEqual([]);
  });

  it("names the config file and the field of a config error", async () => {
    const cwd = await emptyDir();
    await writeFile(
      join(cwd, "bad.json"),
      JSON.stringify({ providers: { google: { clientId: "id", clientSecrt: "x" } }, extra: 1 }),
    );
    const result = gateway(["--config", "bad.json"], cwd);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${join(cwd, "bad.json")} is invalid:`);
    expect(result.stderr).toContain('field "extra": unknown field');
    expect(result.stderr).toContain('field "providers.google.clientSecrt": unknown field');
    expect(result.stderr).not.toContain("body:");
    expect(await readdir(cwd)).toEqual(["bad.json"]);
  });
});
