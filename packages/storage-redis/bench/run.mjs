// Benchmarks for @credstack/storage-redis against the raw driver doing the same round trip, measured in the
// same run (interleaved rounds). Run with `pnpm bench` after `pnpm build`. Uses CREDSTACK_TEST_REDIS_URL
// when set, else starts a throwaway redis-server on a random loopback port.
import {
  aesGcmCipher,
  formatOneCipher,
  generateKey,
  openRecord,
  recordToWrite,
  sealRecord,
} from "@credstack/storage";
import { startRedis } from "@credstack/test-services";
import { Redis } from "ioredis";
import { redisStore } from "../dist/index.js";

const rounds = 5;
const perRound = 600;
const warmup = 300;
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

/** Interleaved rounds of adapter and baseline calls; p50 µs and ops/s of each. */
async function compare(adapter, baseline) {
  const scratch = [];
  await sample(adapter, warmup, scratch);
  await sample(baseline, warmup, scratch);
  const a = { us: [], ms: 0 };
  const b = { us: [], ms: 0 };
  for (let r = 0; r < rounds; r++) {
    a.ms += await sample(adapter, perRound, a.us);
    b.ms += await sample(baseline, perRound, b.us);
  }
  const stats = (s) => {
    s.us.sort((x, y) => x - y);
    return { p50: percentile(s.us, 0.5), opsPerSec: (s.us.length / s.ms) * 1000 };
  };
  return { adapter: stats(a), baseline: stats(b) };
}

/** Calls of `a` and `b` alternating one by one (the load hits both alike); p50 µs and ops/s of each. */
async function alternate(a, b) {
  const scratch = [];
  await sample(a, warmup, scratch);
  await sample(b, warmup, scratch);
  const sa = { us: [], ms: 0 };
  const sb = { us: [], ms: 0 };
  for (let i = 0; i < rounds * perRound; i++) {
    sa.ms += await sample(a, 1, sa.us);
    sb.ms += await sample(b, 1, sb.us);
  }
  const stats = (s) => {
    s.us.sort((x, y) => x - y);
    return { p50: percentile(s.us, 0.5), opsPerSec: (s.us.length / s.ms) * 1000 };
  };
  return { adapter: stats(sa), baseline: stats(sb) };
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
const getResult = await compare(
  () => store.get(key),
  () => client.hgetallBuffer(rawKey),
);
rows.push(["get", getResult, "HGETALL (buffers)"]);
// The same round trip plus the work the contract requires of every store (open the sealed secrets with
// AES-256-GCM, validate the record): what is left of the ratio is this adapter's own overhead.
const columnsOf = (fields) => ({
  ...JSON.parse(fields.columns.toString()),
  version: Number(fields.version),
  createdAt: Number(fields.created),
});
const getContract = await compare(
  () => store.get(key),
  async () => {
    const fields = await client.hgetallBuffer(rawKey);
    return openRecord(key, columnsOf(fields), fields.sealed, cipher);
  },
);
rows.push(["get", getContract, "HGETALL + openRecord"]);
const putResult = await compare(
  async () => {
    current = await store.put(
      { ...current, accessToken: `${input.accessToken}${current.version}` },
      {
        expectedVersion: current.version,
      },
    );
  },
  () => client.hset(rawKey, stored),
);
rows.push(["put (CAS)", putResult, "HSET of the same 4 fields"]);
let rawVersion = 1;
const putContract = await compare(
  async () => {
    current = await store.put(
      { ...current, accessToken: `${input.accessToken}${current.version}` },
      {
        expectedVersion: current.version,
      },
    );
  },
  async () => {
    const record = recordToWrite(
      { ...input, accessToken: `${input.accessToken}${rawVersion}` },
      {
        expectedVersion: rawVersion++,
      },
      1,
      Date.now(),
    );
    const { columns, sealed } = await sealRecord(record, cipher);
    const { version, createdAt, ...rest } = columns;
    await client.hset(rawKey, { version, created: createdAt, columns: JSON.stringify(rest), sealed });
  },
);
rows.push(["put (CAS)", putContract, "recordToWrite + sealRecord + HSET"]);

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

console.log(
  `\n@credstack/storage-redis benchmarks (${rounds}×${perRound} sequential calls each, interleaved; loopback)\n`,
);
console.log("| operation | ops/s | p50 µs | baseline | baseline ops/s | baseline p50 µs | ratio (p50) |");
console.log("|---|---:|---:|---|---:|---:|---:|");
for (const [name, { adapter, baseline }, baselineName] of rows) {
  console.log(
    `| ${name} | ${adapter.opsPerSec.toFixed(0)} | ${adapter.p50.toFixed(1)} | ${baselineName} | ${baseline.opsPerSec.toFixed(0)} | ${baseline.p50.toFixed(1)} | ${(adapter.p50 / baseline.p50).toFixed(2)}× |`,
  );
}
console.log(
  `| putMany (${bulkCount} records) | ${((bulkCount / bulkMs) * 1000).toFixed(0)} | — | HSET pipelines of 500 | ${((bulkCount / rawBulkMs) * 1000).toFixed(0)} | — | ${(bulkMs / rawBulkMs).toFixed(2)}× (time) |`,
);

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
