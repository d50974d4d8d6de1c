import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { aesGcmCipher, generateKey, keyToBase64 } from "@credstack/storage";
import { beforeAll, describe, expect, it } from "vitest";
import { fileStore, sweepTempFiles } from "../src/index.js";
import { parseTempName, tempNameFor } from "../src/lib/temp-files.js";
import { tempRoot } from "./harness.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const root = tempRoot("temp-files");
const key = generateKey();
const cipher = aesGcmCipher({ keyRing: { active: key } });
const env = { ...process.env, CREDSTACK_TEST_KEY: keyToBase64(key) };
const big = 2 * 1024 * 1024;

beforeAll(() => {
  if (!existsSync(fileURLToPath(new URL("../dist/index.js", import.meta.url)))) {
    throw new Error("Build first: the child processes run against dist (npx tsc -p tsconfig.build.json).");
  }
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tempFiles = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith(".tmp-"));
const tempsOf = async (dir: string, pid: number) =>
  (await tempFiles(dir)).filter((name) => parseTempName(name)?.pid === pid);

/** Starts a writer that rewrites a 2 MB record of `account` in `dir` forever; resolves once it wrote once. */
async function startWriter(dir: string, account: string): Promise<ChildProcess> {
  const child = fork(join(fixtures, "big-writer.mjs"), [dir, String(big), account], {
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
    child.on("exit", (code, signal) => reject(new Error(`writer exited (${code ?? signal}) before writing`)));
  });
  return child;
}

/** Waits until the writer has a temporary file in `dir` (it is mid-write), then runs `act`. */
async function whileMidWrite(dir: string, child: ChildProcess, act: () => void | Promise<void>) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await tempsOf(dir, child.pid as number)).length > 0) return act();
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("the writer never had a temporary file");
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", resolve));

describe("temporary files of writers", () => {
  it("are removed when a store opens after their writers were killed with SIGKILL mid-write", async () => {
    const dir = join(root, "killed");
    const accounts = Array.from({ length: 6 }, (_, i) => `killed-${i}@x.com`);
    let leftBehind = 0;
    for (const account of accounts) {
      const child = await startWriter(dir, account);
      // Kill it while the temporary file exists; it may still finish the rename first (a fair race).
      await whileMidWrite(dir, child, () => {
        child.kill("SIGKILL");
      });
      await exited(child);
      leftBehind += (await tempsOf(dir, child.pid as number)).length;
    }
    expect(leftBehind).toBeGreaterThan(0);
    const store = fileStore({ dir, cipher });
    for (const account of accounts) {
      expect((await store.get({ provider: "google", account }))?.metadata).toBeDefined();
    }
    expect(await tempFiles(dir)).toEqual([]);
    await store.close();
  }, 120_000);

  it("are never removed while their writer lives, even when old, and the write then completes", async () => {
    const dir = join(root, "live");
    const child = await startWriter(dir, "live@x.com");
    try {
      let paused: string[] = [];
      for (let attempt = 0; attempt < 200 && paused.length === 0; attempt++) {
        await whileMidWrite(dir, child, () => {
          child.kill("SIGSTOP");
        });
        paused = await tempsOf(dir, child.pid as number);
        if (paused.length === 0) {
          child.kill("SIGCONT");
          await sleep(5);
        }
      }
      expect(paused).toHaveLength(1);
      const path = join(dir, paused[0] as string);
      const store = fileStore({ dir, cipher });
      await store.list()[Symbol.asyncIterator]().next();
      expect(await tempsOf(dir, child.pid as number)).toEqual(paused);
      // Older than the age bound: still kept, since its writer lives and holds the key's lock.
      const old = new Date(Date.now() - 10 * 60_000);
      await utimes(path, old, old);
      expect((await sweepTempFiles(dir)).live).toEqual([path]);
      expect(await tempsOf(dir, child.pid as number)).toEqual(paused);
      await store.close();
      child.kill("SIGCONT");
      const before = (await fileStore({ dir, cipher }).get({ provider: "google", account: "live@x.com" }))!;
      for (let i = 0; i < 500; i++) {
        const now = await fileStore({ dir, cipher }).get({ provider: "google", account: "live@x.com" });
        if (now!.version > before.version) break;
        await sleep(10);
      }
      expect(await tempFiles(dir)).not.toContain(paused[0]);
    } finally {
      child.kill("SIGKILL");
      await exited(child);
    }
  }, 120_000);

  it("follow the age bound for writers that cannot be checked: other hosts and older names", async () => {
    const dir = join(root, "unknown");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const gone = spawnSync(process.execPath, ["-e", ""]).pid as number;
    const ours = tempNameFor("c-abc");
    const dead = ours.replace(`.${process.pid}.`, `.${gone}.`);
    const otherHost = `.tmp-c-abc.00000000.${process.pid}.0.0123456789ab`;
    const legacy = ".tmp-0123456789abcdef01234567";
    for (const name of [ours, dead, otherHost, legacy]) await writeFile(join(dir, name), "partial");
    const sweep = await sweepTempFiles(dir, { dryRun: true });
    expect(sweep.stale).toEqual([join(dir, dead)]);
    expect(await tempFiles(dir)).toHaveLength(4);
    const old = new Date(Date.now() - 2 * 60_000);
    for (const name of [otherHost, legacy]) await utimes(join(dir, name), old, old);
    await sweepTempFiles(dir);
    expect(await tempFiles(dir)).toEqual([ours]);
  });

  it("refuse an unreadable directory with a typed error", async () => {
    await expect(sweepTempFiles(join(root, "missing"))).rejects.toMatchObject({
      code: "ERR_STORE_UNAVAILABLE",
    });
  });
});
