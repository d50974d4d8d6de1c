import { aesGcmCipher, type CredentialRecord, type CredentialStore, generateKey } from "@credstack/storage";
import { type RedisServer, startRedis } from "@credstack/test-services";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { redisStore } from "../src/index.js";
import { keyLayout } from "../src/lib/keys.js";
import { connect } from "./redis-env.js";

const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const timeoutMs = 500;
const slackMs = 700;

/** Runs `call` and returns its error code (or "ok") and how long it took. */
async function timed(call: () => Promise<unknown>): Promise<{ code: string; ms: number }> {
  const start = performance.now();
  try {
    await call();
    return { code: "ok", ms: performance.now() - start };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? String(error), ms: performance.now() - start };
  }
}

/** Waits until `call` succeeds (the same store and client reconnecting on their own). */
async function eventually<T>(call: () => Promise<T>, withinMs = 15_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** `workers` loops of read-then-CAS-write on `keys` until `stop()`; each write's fields agree with its version. */
function writeLoops(
  store: CredentialStore,
  keys: readonly { provider: string; account: string }[],
  workers: number,
) {
  let running = true;
  const codes = new Map<string, number>();
  let slowest = 0;
  const loop = async (worker: number) => {
    for (let i = 0; running; i++) {
      const key = keys[(worker + i) % keys.length]!;
      const result = await timed(async () => {
        const current = await store.get(key);
        const version = (current?.version ?? 0) + 1;
        await store.put(
          {
            ...key,
            accessToken: `token-v${version}`,
            refreshToken: `refresh-v${version}`,
            scopes: [`scope-v${version}`],
            metadata: { version, padding: "x".repeat(2000) },
          },
          { expectedVersion: version - 1 },
        );
      });
      codes.set(result.code, (codes.get(result.code) ?? 0) + 1);
      slowest = Math.max(slowest, result.ms);
      if (result.code !== "ok") await sleep(5);
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, worker) => loop(worker)));
  return {
    async stop() {
      running = false;
      await done;
      return { codes, slowest };
    },
  };
}

/** A record whose every field agrees with its version: not a mix of two writes. */
function expectWhole(record: CredentialRecord): void {
  const v = record.version;
  expect(record).toMatchObject({
    accessToken: `token-v${v}`,
    refreshToken: `refresh-v${v}`,
    scopes: [`scope-v${v}`],
    metadata: { version: v },
  });
}

const keys = Array.from({ length: 8 }, (_, i) => ({ provider: "google", account: `fault-${i}@x.com` }));

describe("Redis killed mid-run (startRedis)", () => {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it("fails fast with ERR_STORE_UNAVAILABLE, then works again after restart with the same client", async () => {
    server = await startRedis();
    client = await connect(server.url);
    client.on("error", () => {}); // ioredis reports each failed reconnect; the store reports to callers
    const store = redisStore({ client, cipher, prefix: "faults", commandTimeoutMs: timeoutMs });
    const writers = writeLoops(store, keys, 4);
    await sleep(300);
    await server.kill();
    await sleep(300);

    // Every operation fails fast while the server is down.
    const key = keys[0]!;
    const calls: (() => Promise<unknown>)[] = [
      () => store.get(key),
      () => store.put({ ...key }, { expectedVersion: 0 }),
      () => store.delete(key),
      async () => {
        for await (const _ of store.list()) break;
      },
      () => store.lease!(key, { ttlMs: 1000 }),
      () =>
        store.putMany!([{ ...key, tokenType: "Bearer", scopes: [], createdAt: 1, updatedAt: 1, version: 9 }]),
    ];
    for (const call of calls) {
      const result = await timed(call);
      expect(result.code).toBe("ERR_STORE_UNAVAILABLE");
      expect(result.ms).toBeLessThan(timeoutMs + slackMs);
    }
    const { codes, slowest } = await writers.stop();
    expect(codes.get("ok")).toBeGreaterThan(0);
    expect(codes.get("ERR_STORE_UNAVAILABLE")).toBeGreaterThan(0);
    expect([...codes.keys()].sort()).toEqual(
      ["ERR_STORE_UNAVAILABLE", "ERR_VERSION_CONFLICT", "ok"].filter((code) => codes.has(code)),
    );
    expect(slowest).toBeLessThan(2 * timeoutMs + slackMs); // a get and a put, each bounded

    // The error carries the driver's error as its cause, or says it timed out.
    const failure = await store.get(key).catch((error: Error) => error);
    expect(failure).toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });

    await server.restart();
    // This server keeps no data across a restart; the same store and client serve again.
    await eventually(() => store.put({ ...key, accessToken: "after" }, { expectedVersion: 0 }));
    expect(await store.get(key)).toMatchObject({ accessToken: "after", version: 1 });
    const lease = await store.lease!(key, { ttlMs: 1000 });
    await lease.release();
    expect(await store.delete(key, { expectedVersion: 1 })).toBe(true);
  });
});

describe("Redis killed mid-run with persistence (AOF, appendfsync always)", () => {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it("shows every record whole after restart — the old or the new version, never a mix — and a consistent index", async () => {
    server = await startRedis({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
    client = await connect(server.url);
    client.on("error", () => {});
    const store = redisStore({ client, cipher, prefix: "faults-aof", commandTimeoutMs: timeoutMs });
    const writers = writeLoops(store, keys, 6);
    await sleep(400);
    await server.kill();
    const { codes } = await writers.stop();
    expect(codes.get("ok")).toBeGreaterThan(20);
    await server.restart();

    const found = await eventually(async () => Promise.all(keys.map((key) => store.get(key))));
    const present = found.filter((record): record is CredentialRecord => record !== undefined);
    expect(present.length).toBeGreaterThan(0);
    for (const record of present) expectWhole(record);
    // Index and hashes agree: listing finds exactly the records, and prunes nothing.
    const layout = keyLayout("faults-aof");
    expect(await client.zcard(layout.index)).toBe(present.length);
    const listed = [];
    for await (const key of store.list()) listed.push(key);
    expect(listed).toEqual(present.map(({ provider, account }) => ({ provider, account })));
    // And writing goes on from the recovered versions.
    const first = present[0]!;
    expectWhole(
      await store.put(
        {
          ...first,
          accessToken: `token-v${first.version + 1}`,
          refreshToken: `refresh-v${first.version + 1}`,
          scopes: [`scope-v${first.version + 1}`],
          metadata: { version: first.version + 1 },
        },
        { expectedVersion: first.version },
      ),
    );
  });
});
