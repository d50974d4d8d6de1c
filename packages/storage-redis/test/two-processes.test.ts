import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { aesGcmCipher, generateKey, keyToBase64 } from "@credstack/storage";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { connect, deleteKeys, redisUrl } from "./redis-env.js";

const run = promisify(execFile);
const fixture = fileURLToPath(new URL("./fixtures/cas-increment.mjs", import.meta.url));
const built = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const prefix = `two-processes:${process.pid}`;
let url: string;
let client: Redis;
let stop: () => Promise<void>;

beforeAll(async () => {
  if (!existsSync(built))
    throw new Error("build the package first (pnpm build): the child processes run dist/");
  const redis = await redisUrl();
  url = redis.url;
  stop = redis.stop;
  client = await connect(url);
});
afterAll(async () => {
  await deleteKeys(client, `{${prefix}}`);
  await client?.quit();
  await stop?.();
});

it("loses no increment: two processes × 200 compare-and-set increments on one key = 400", async () => {
  const key = generateKey();
  const store = redisStore({ client, cipher: aesGcmCipher({ keyRing: { active: key } }), prefix });
  const counter = { provider: "google", account: "counter@x.com" };
  await store.put({ ...counter, metadata: { count: 0 } }, { expectedVersion: 0 });
  const startAt = String(Date.now() + 1500);
  const args = [fixture, url, prefix, keyToBase64(key), "200", startAt];
  const outputs = await Promise.all([run(process.execPath, args), run(process.execPath, args)]);
  const conflicts = outputs.map(({ stdout }) => JSON.parse(stdout).conflicts as number);
  const final = await store.get(counter);
  expect(final?.metadata).toEqual({ count: 400 });
  expect(final?.version).toBe(401);
  // Both ran at once: at least one of them lost some compare-and-set races and retried.
  expect(conflicts[0]! + conflicts[1]!).toBeGreaterThan(0);
});
