import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { aesGcmCipher, generateKey, keyToBase64 } from "@credstack/storage";
import { beforeAll, describe, expect, it } from "vitest";
import { fileStore } from "../src/index.js";
import { tempRoot } from "./harness.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const root = tempRoot("processes");
const key = generateKey();
const cipher = aesGcmCipher({ keyRing: { active: key } });
const env = { ...process.env, CREDSTACK_TEST_KEY: keyToBase64(key) };

beforeAll(() => {
  if (!existsSync(fileURLToPath(new URL("../dist/index.js", import.meta.url)))) {
    throw new Error("Build first: the child processes run against dist (npx tsc -p tsconfig.build.json).");
  }
});

function start(script: string, args: string[]): { child: ChildProcess; output: Promise<string> } {
  const child = fork(join(fixtures, script), args, { env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => (stdout += chunk));
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const output = new Promise<string>((resolve, reject) => {
    child.on("exit", (code, signal) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code ?? signal}: ${stderr}`)),
    );
  });
  return { child, output };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("two real processes", () => {
  it("keep compare-and-set exact: 2 × 200 increments give 400", async () => {
    const dir = join(root, "cas");
    const store = fileStore({ dir, cipher });
    await store.put(
      { provider: "google", account: "counter@x.com", accessToken: "0" },
      { expectedVersion: 0 },
    );
    const workers = [start("cas-worker.mjs", [dir, "200"]), start("cas-worker.mjs", [dir, "200"])];
    const results = await Promise.all(workers.map((worker) => worker.output));
    const final = await store.get({ provider: "google", account: "COUNTER@x.com" });
    expect(final?.accessToken).toBe("400");
    expect(final?.version).toBe(401);
    const conflicts = results.map((text) => (JSON.parse(text) as { conflicts: number }).conflicts);
    expect(conflicts.every((n) => Number.isInteger(n))).toBe(true);
    // No lock or temporary file is left behind.
    expect((await readdir(dir)).filter((name) => name.startsWith("."))).toEqual([]);
    await store.close();
  });

  it("leave a record whole (old or new) when the writer is killed with SIGKILL mid-write", async () => {
    const dir = join(root, "crash");
    const big = 256 * 1024;
    const k = { provider: "google", account: "big@x.com" };
    let lastVersion = 0;
    for (let round = 0; round < 6; round++) {
      const { child, output } = start("big-writer.mjs", [dir, String(big)]);
      output.catch(() => {}); // it dies by SIGKILL
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
        child.on("exit", () => reject(new Error("writer exited before its first write")));
      });
      await sleep(20 + Math.random() * 150);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      const store = fileStore({ dir, cipher });
      const read = await store.get(k);
      expect(read).toBeDefined();
      const version = read!.version;
      expect(version).toBeGreaterThan(lastVersion);
      expect(read!.metadata).toMatchObject({ version });
      expect(read!.accessToken?.startsWith(`v${version};v${version};`)).toBe(true);
      expect(read!.accessToken?.length).toBeGreaterThanOrEqual(big);
      lastVersion = version;
      // The dead writer's lock (if it held one) is broken at once: its pid no longer exists.
      await store.put({ ...read!, accessToken: "after-crash" }, { expectedVersion: version });
      lastVersion = version + 1;
      await store.close();
    }
    expect(lastVersion).toBeGreaterThan(6);
  });
});
