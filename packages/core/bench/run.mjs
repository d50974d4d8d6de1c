// Benchmarks for @credstack/core against baselines measured in the same run.
// Run with `pnpm bench` (needs `pnpm build` first; turbo does that). Postgres and Redis rows use
// CREDSTACK_TEST_PG_URL / CREDSTACK_TEST_REDIS_URL, or start throwaway servers with @credstack/test-services;
// they are skipped with a note when the stores or servers are not available.

import { aesGcmCipher, generateKey, memoryStore } from "@credstack/storage";
import { ratioTarget, writeResults } from "../../../scripts/bench-results.mjs";
import { createRefresher, createResolver, defaultChain } from "../dist/index.js";

/**
 * Median µs/op over `samples` timed batches of `batch` calls, after a warm-up. `yieldEvery`: give the
 * event loop a turn (setImmediate) every that many calls, so I/O (notifications) is handled mid-batch.
 */
async function measure(fn, { batch = 5_000, samples = 21, asyncFn = true, yieldEvery = 0 } = {}) {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < batch; i++) asyncFn ? await fn() : fn();
  const timings = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) {
      asyncFn ? await fn() : fn();
      if (yieldEvery > 0 && i % yieldEvery === yieldEvery - 1) await turn();
    }
    timings.push(Number(process.hrtime.bigint() - start) / batch / 1000);
  }
  timings.sort((a, b) => a - b);
  return timings[Math.floor(timings.length / 2)];
}

const providers = {
  google: {
    issuer: "https://accounts.google.com",
    authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
    token_endpoint: "https://oauth2.googleapis.com/token",
    clientId: "bench",
    redirectUri: "http://127.0.0.1:9/callback",
  },
};
const account = "bench@example.com";
const scopes = ["drive.readonly"];
const driveReadonly = "https://www.googleapis.com/auth/drive.readonly";
const record = (store) =>
  store.put(
    {
      provider: "google",
      account,
      accessToken: "bench-token",
      refreshToken: "r",
      scopes: [driveReadonly],
      expiresAt: Date.now() + 3_600_000,
    },
    { expectedVersion: 0 },
  );
const resolverOver = (store, cacheMs) => {
  const refresher = createRefresher({ store, providers, cacheMs });
  return createResolver({ chain: defaultChain({ refresher }), providers, trustAccountArgument: true });
};
let sink = 0;
const rows = [];
const resolvers = [];

// 1. Cached fresh credential vs an awaited Map.get + expiry check (what a cache hit must at least do),
// measured in alternating batches.
const asyncGet = async (map, key) => map.get(key);
const hitBaseline = (map) => async () => {
  const entry = await asyncGet(map, `google\u0000${account}`);
  if (entry !== undefined && entry.expiresAt > Date.now()) sink += entry.accessToken.length;
};
const map = new Map([
  [`google\u0000${account}`, { accessToken: "bench-token", expiresAt: Date.now() + 3_600_000 }],
]);
{
  const store = memoryStore();
  await record(store);
  const resolver = resolverOver(store, 60_000);
  const ask = { provider: "google", account, scopes };
  const check = await resolver.resolve(ask);
  if (check.kind !== "token") throw new Error(`benchmark setup is wrong: ${check.kind}`);
  const resolveHit = async () => {
    sink += (await resolver.resolve(ask)).kind.length;
  };
  const a = [];
  const b = [];
  for (let round = 0; round < 7; round++) {
    a.push(await measure(resolveHit, { batch: 20_000, samples: 3 }));
    b.push(await measure(hitBaseline(map), { batch: 20_000, samples: 3 }));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  rows.push({
    name: "resolve() cached fresh credential (memory store)",
    us: median(a),
    baselineName: "await async Map.get + expiry check",
    baseline: median(b),
    target: 5,
  });
}

async function storeRows(label, open) {
  let opened;
  try {
    opened = await open();
  } catch (error) {
    rows.push({
      name: `resolve() via ${label}`,
      skipped: `skipped: ${String(error?.message ?? error)
        .split("\n")[0]
        .slice(0, 100)}`,
    });
    return;
  }
  const { store, stop } = opened;
  try {
    await store.delete({ provider: "google", account }).catch(() => {});
    await record(store);
    const resolver = resolverOver(store, 0);
    const ask = { provider: "google", account, scopes };
    const key = { provider: "google", account };
    rows.push({
      name: `resolve() uncached, ${label} store`,
      us: await measure(
        async () => {
          sink += (await resolver.resolve(ask)).kind.length;
        },
        { batch: 200, samples: 11 },
      ),
      baselineName: `${label} store.get`,
      baseline: await measure(
        async () => {
          sink += (await store.get(key))?.version ?? 0;
        },
        { batch: 200, samples: 11 },
      ),
    });
    // The cache is invalidated through store.watch() (LISTEN/NOTIFY, pub/sub): its cost on a cached
    // resolve(), against the same resolver over the same store with watch hidden (TTL-only cache).
    const unwatched = resolverOver({ ...store, capabilities: { ...store.capabilities, watch: false } }, 1000);
    const cached = resolverOver(store, 1000);
    resolvers.push(unwatched, cached);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the watch connect
    // Interleaved (A, B, A, B; the better median of each) on a shared machine; every row yields to the
    // event loop every 100 calls so that notifications are handled while measuring.
    const options = { yieldEvery: 100 };
    const run = (resolver) => async () => {
      sink += (await resolver.resolve(ask)).kind.length;
    };
    // The Map baseline of row 1 is measured again here, in the same rounds, so that both sides of the
    // ratio see the same load.
    const rounds = async () => [
      await measure(run(unwatched), options),
      await measure(run(cached), options),
      await measure(hitBaseline(map), options),
    ];
    const [ttl1, watch1, map1] = await rounds();
    const [ttl2, watch2, map2] = await rounds();
    const ttlOnly = Math.min(ttl1, ttl2);
    rows.push({
      name: `resolve() cached (1 s), ${label} store`,
      us: ttlOnly,
      baselineName: "await async Map.get + expiry check",
      baseline: Math.min(map1, map2),
      target: 5,
    });
    rows.push({
      name: `resolve() cached (1 s) + watch, ${label} store`,
      us: Math.min(watch1, watch2),
      baselineName: "same, cache without watch",
      baseline: ttlOnly,
    });
    // Notifications arriving meanwhile: another key rewritten in a loop (each write → one notification).
    const noiseKey = { provider: "google", account: "noise@example.com" };
    await store.delete(noiseKey).catch(() => {});
    let noise = await store.put({ ...noiseKey, accessToken: "n" }, { expectedVersion: 0 });
    let writing = true;
    let notified = 0;
    const writer = (async () => {
      while (writing) {
        noise = await store.put({ ...noise, accessToken: "n" }, { expectedVersion: noise.version });
        notified++;
      }
    })();
    const started = Date.now();
    const busy = await measure(run(cached), options);
    writing = false;
    await writer;
    const rate = Math.round((notified * 1000) / (Date.now() - started));
    await store.delete(noiseKey).catch(() => {});
    rows.push({
      name: `resolve() cached (1 s) + watch, ${label} store, ${rate.toLocaleString("en-US")} notifications/s of another key`,
      us: busy,
      baselineName: "same, cache without watch",
      baseline: ttlOnly,
    });
  } finally {
    for (const resolver of resolvers.splice(0)) await resolver.close();
    await store.close();
    await stop();
  }
}

const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const services = await import("@credstack/test-services").catch(() => undefined);
await storeRows("Postgres", async () => {
  const { postgresStore } = await import("@credstack/storage-postgres");
  let url = process.env.CREDSTACK_TEST_PG_URL;
  let stop = async () => {};
  if (!url) {
    const pg = await services.startPostgres();
    url = pg.url;
    stop = () => pg.stop();
  }
  return { store: postgresStore({ connectionString: url, cipher, maxConnections: 2 }), stop };
});
await storeRows("Redis", async () => {
  const { redisStore } = await import("@credstack/storage-redis");
  const { Redis } = await import("ioredis");
  let url = process.env.CREDSTACK_TEST_REDIS_URL;
  let stop = async () => {};
  if (!url) {
    const redis = await services.startRedis();
    url = redis.url;
    stop = () => redis.stop();
  }
  return { store: redisStore({ client: new Redis(url), cipher, closeClient: true }), stop };
});

const fmt = (us) => (us < 10 ? us.toFixed(2) : us.toFixed(0));
const ops = (us) => Math.round(1e6 / us).toLocaleString("en-US");
/** A ratio with two significant digits (0.0031×, 1.2×, 38×): never a meaningless 0.0×. */
const ratioText = (ratio) => `${Number(ratio.toPrecision(2))}×`;
console.log("| operation | ops/s | p50 µs | baseline (same run) | ratio |");
console.log("|---|---:|---:|---|---:|");
for (const row of rows) {
  if (row.skipped) {
    console.log(`| ${row.name} | – | – | ${row.skipped} | – |`);
    continue;
  }
  console.log(
    `| ${row.name} | ${ops(row.us)} | ${fmt(row.us)} | ${row.baselineName}: ${fmt(row.baseline)} µs | ${ratioText(row.us / row.baseline)} |`,
  );
}
writeResults(
  "core",
  rows
    .filter((row) => row.target !== undefined)
    .map((row) => ratioTarget(`${row.name} vs ${row.baselineName}`, row.us, row.baseline, row.target, "µs")),
);
if (sink === -1) console.log(sink);
