// Benchmarks for @credstack/storage-redis against the raw driver doing the same round trip, measured in the
// same run (interleaved rounds). Run with `pnpm bench` after `pnpm build`. Uses CREDSTACK_TEST_REDIS_URL
// when set, else starts a throwaway redis-server on a random loopback port.
import { aesGcmCipher, bindingOf, formatOneCipher, generateKey } from "@credstack/storage";
import { startRedis } from "@credstack/test-services";
import { Redis } from "ioredis";
import { rateTarget, ratioTarget, writeResults } from "../../../scripts/bench-results.mjs";
import { interleave } from "../../../scripts/bench-timing.mjs";
import { redisStore } from "../dist/index.js";
import { runScript, writeScript } from "../dist/lib/scripts.js";

const warmup = 300;
// Before the measured rounds of each in-flight level, both sides run this many calls (the same for
// store and baseline): the first rounds measured otherwise still include JIT warm-up of the store's
// longer path, and get at 1 in flight is measured first of all.
const roundsWarmup = 3000;
const bulkCount = 10_000;

const server = process.env.CREDSTACK_TEST_REDIS_URL ? undefined : await startRedis();
const url = process.env.CREDSTACK_TEST_REDIS_URL ?? server.url;
const client = new Redis(url, { maxRetriesPerRequest: 1 });
const prefix = `bench:${process.pid}`;
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const store = redisStore({ client, cipher, prefix });
// The previous record format (secrets only, clear columns not authenticated), beside it in the same run.
const storeV1 = redisStore({ client, cipher: formatOneCipher(cipher), prefix: `${prefix}:v1` });

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** Runs `fn` `count` times in sequence; returns each call's µs and the wall time in ms. */
async function sample(fn, count, into) {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = process.hrtime.bigint();
    await fn();
    into.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return performance.now() - start;
}

/** Calls of `a` and `b` alternating one by one (the load hits both alike); p50 µs and ops/s of each. */
async function alternate(a, b) {
  const scratch = [];
  await sample(a, warmup, scratch);
  await sample(b, warmup, scratch);
  const sa = { us: [], ms: 0 };
  const sb = { us: [], ms: 0 };
  for (let i = 0; i < 1000; i++) {
    sa.ms += await sample(a, 1, sa.us);
    sb.ms += await sample(b, 1, sb.us);
  }
  const stats = (s) => {
    s.us.sort((x, y) => x - y);
    return { p50: percentile(s.us, 0.5), opsPerSec: (s.us.length / s.ms) * 1000 };
  };
  return { candidate: stats(sa), baseline: stats(sb) };
}

const key = { provider: "google", account: "bench@example.com" };
const input = {
  ...key,
  accessToken: `ya29.${"a".repeat(180)}`,
  refreshToken: `1//${"r".repeat(100)}`,
  expiresAt: Date.now() + 3_600_000,
  scopes: ["openid", "email", "https://www.googleapis.com/auth/drive.readonly"],
  issuer: "https://accounts.google.com",
  clientId: "123.apps.googleusercontent.com",
};
let current = await store.put(input, { expectedVersion: 0 });
const recordKey = `{${prefix}}:c:google#${Buffer.from(key.account).toString("hex")}`;
const rawKey = `{${prefix}}:raw`;
const stored = await client.hgetallBuffer(recordKey);
await client.hset(rawKey, stored);

const rows = [];
const targets = [];
// The baselines: the raw driver sending the same commands as the store — HGETALL for get; for put the
// same write script (EVALSHA: compare-and-set of the hash and its index entry) and the same PUBLISH —
// plus the same AES-256-GCM work (open / seal of the record's sealed bytes under the same cipher and
// binding). Parsing, validation and the column digest are not in the baseline: they are the store's own.
const binding = bindingOf(key);
const rawGet = async () => {
  const fields = await client.hgetallBuffer(rawKey);
  return cipher.decrypt(fields.sealed, binding);
};
const opened = await cipher.decrypt(stored.sealed, binding); // the plaintext a put seals (same size)
const rawIndex = `{${prefix}}:rawindex`;

// 16 slots for each side, handed out from a free list, so no two puts in flight share a record.
const slots = 16;
const storeSlots = [];
for (let n = 0; n < slots; n++) {
  const slotKey = { provider: "google", account: `put-${n}@example.com` };
  storeSlots.push(await store.put({ ...input, ...slotKey }, { expectedVersion: 0 }));
}
const rawSlots = Array.from({ length: slots }, (_, n) => ({
  key: `{${prefix}}:raw:${n}`,
  member: `google#raw${n}`,
  version: 0,
}));
const withSlot = (free, fn) => async () => {
  const slot = free.pop();
  try {
    await fn(slot);
  } finally {
    free.push(slot);
  }
};
const storePut = withSlot(
  storeSlots.map((_, n) => n),
  async (n) => {
    const record = storeSlots[n];
    storeSlots[n] = await store.put(
      { ...record, accessToken: `${input.accessToken}${record.version % 10}` },
      { expectedVersion: record.version },
    );
  },
);
const rawPut = withSlot(
  rawSlots.map((_, n) => n),
  async (n) => {
    const slot = rawSlots[n];
    const sealed = await cipher.encrypt(opened, binding);
    const expected = slot.version;
    const args = [
      "cas",
      String(expected),
      String(expected + 1),
      "0",
      stored.created,
      stored.columns,
      sealed,
      slot.member,
      "0",
    ];
    const reply = await runScript(client, writeScript, [slot.key, rawIndex], args);
    if (reply[0] !== 1) throw new Error("raw CAS lost");
    slot.version++;
    client
      .publish(`{${prefix}}:changes`, JSON.stringify({ p: "google", a: slot.member, v: slot.version }))
      .catch(() => {});
  },
);
for (const inFlight of [1, 16]) {
  const getResult = await interleave(() => store.get(key), rawGet, { inFlight, warmup: roundsWarmup });
  rows.push([`get, ${inFlight} in flight`, getResult, "HGETALL + AES-GCM open"]);
  targets.push(
    ratioTarget(`get p50, ${inFlight} in flight`, getResult.candidate.p50, getResult.baseline.p50, 1.3, "µs"),
  );
  const putResult = await interleave(storePut, rawPut, { inFlight, warmup: roundsWarmup });
  rows.push([`put (CAS), ${inFlight} in flight`, putResult, "write script + PUBLISH + AES-GCM seal"]);
  targets.push(
    ratioTarget(`put p50, ${inFlight} in flight`, putResult.candidate.p50, putResult.baseline.p50, 1.3, "µs"),
  );
  if (inFlight === 16) {
    targets.push(
      rateTarget(
        "get throughput, 16 in flight",
        getResult.candidate.opsPerSec,
        getResult.baseline.opsPerSec,
        1.3,
        "ops/s",
      ),
    );
    targets.push(
      rateTarget(
        "put throughput, 16 in flight",
        putResult.candidate.opsPerSec,
        putResult.baseline.opsPerSec,
        1.3,
        "ops/s",
      ),
    );
  }
}

// Whole-record authentication (format 2) against the previous format (1), alternating rounds.
let currentV1 = await storeV1.put(input, { expectedVersion: 0 });
rows.push([
  "get, whole-record seal (format 2)",
  await alternate(
    () => store.get(key),
    () => storeV1.get(key),
  ),
  "get, previous format (1)",
]);
rows.push([
  "put, whole-record seal (format 2)",
  await alternate(
    async () => {
      current = await store.put(current, { expectedVersion: current.version });
    },
    async () => {
      currentV1 = await storeV1.put(currentV1, { expectedVersion: currentV1.version });
    },
  ),
  "put, previous format (1)",
]);

// putMany: 10 000 records copied in one call, against raw HSET pipelines of the same hashes.
const records = Array.from({ length: bulkCount }, (_, i) => ({
  ...input,
  account: `bulk-${i}@example.com`,
  tokenType: "Bearer",
  createdAt: 1,
  updatedAt: 2,
  version: 1,
}));
let start = performance.now();
const outcomes = await store.putMany(records);
const bulkMs = performance.now() - start;
if (outcomes.filter((o) => o === "written").length !== bulkCount)
  throw new Error("putMany did not write all");
start = performance.now();
for (let i = 0; i < bulkCount; i += 500) {
  const pipeline = client.pipeline();
  for (let j = i; j < Math.min(i + 500, bulkCount); j++) pipeline.hset(`{${prefix}}:raw:${j}`, stored);
  await pipeline.exec();
}
const rawBulkMs = performance.now() - start;

console.log("\n@credstack/storage-redis benchmarks (alternating rounds of store and baseline; loopback)\n");
console.log("| operation | ops/s | p50 µs | baseline | baseline ops/s | baseline p50 µs | ratio (p50) |");
console.log("|---|---:|---:|---|---:|---:|---:|");
for (const [name, { candidate: adapter, baseline }, baselineName] of rows) {
  console.log(
    `| ${name} | ${adapter.opsPerSec.toFixed(0)} | ${adapter.p50.toFixed(1)} | ${baselineName} | ${baseline.opsPerSec.toFixed(0)} | ${baseline.p50.toFixed(1)} | ${(adapter.p50 / baseline.p50).toFixed(2)}× |`,
  );
}
console.log(
  `| putMany (${bulkCount} records) | ${((bulkCount / bulkMs) * 1000).toFixed(0)} | — | HSET pipelines of 500 | ${((bulkCount / rawBulkMs) * 1000).toFixed(0)} | — | ${(bulkMs / rawBulkMs).toFixed(2)}× (time) |`,
);

writeResults("storage-redis", targets);

// Clean up.
let cursor = "0";
do {
  const [next, keys] = await client.scan(cursor, "MATCH", `{${prefix}*`, "COUNT", 1000);
  cursor = next;
  if (keys.length > 0) await client.unlink(...keys);
} while (cursor !== "0");
await store.close();
await storeV1.close();
await client.quit();
await server?.stop();
