import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@credstack/test-services";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "credstack-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bin as `pnpm start` does (no config, no CREDSTACK_STORE) until it prints its URL. */
async function start(port: number): Promise<{ child: ChildProcess; output: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    CREDSTACK_GATEWAY_PORT: String(port),
    CREDSTACK_GATEWAY_LOG: "off",
  };
  const child = spawn(process.execPath, [bin], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start: ${output}`)), 15_000);
    const take = (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes("credstack gateway on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", take);
    child.stderr?.on("data", take);
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
  return { child, output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  return exited;
}

describe.skipIf(!existsSync(bin))("pnpm start: the gateway on the embedded default (file:.credstack)", () => {
  it("creates the store, its key and an API key on first start, and reuses them", async () => {
    const port = await freePort();
    const first = await start(port);
    try {
      expect(first.output).toContain(`http://127.0.0.1:${port}`);
      expect(first.output).toContain(`file:${join(dir, ".credstack")}`);
      const apiKey = /X-API-Key: (csk_\S+)/.exec(first.output)?.[1] as string;
      expect(apiKey).toBeDefined();
      // Convenient for one developer, and explicit about it.
      expect(first.output).toContain("UNRESTRICTED");
      const keysFile = JSON.parse(readFileSync(join(dir, ".credstack", "gateway-api-keys.json"), "utf8"));
      expect(keysFile.apiKeys).toEqual([
        { id: "local", hash: expect.stringMatching(/^sha256:/), mode: "unrestricted" },
      ]);
      for (const name of ["credstack.key", "gateway-api-keys.json"]) {
        expect(statSync(join(dir, ".credstack", name)).mode & 0o077).toBe(0);
      }
      expect(statSync(join(dir, ".credstack")).mode & 0o077).toBe(0);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(await health.json()).toMatchObject({ status: "ok", store: "ok" });
      const doc = await fetch(`http://127.0.0.1:${port}/openapi.json`, { headers: { "x-api-key": apiKey } });
      expect(doc.status).toBe(200);
      expect(await stop(first.child)).toBe(0);

      const second = await start(port);
      expect(second.output).not.toContain("X-API-Key");
      const again = await fetch(`http://127.0.0.1:${port}/openapi.json`, {
        headers: { "x-api-key": apiKey },
      });
      expect(again.status).toBe(200);
      expect(await stop(second.child)).toBe(0);
    } finally {
      if (first.child.exitCode === null) first.child.kill("SIGKILL");
    }
  });
});
